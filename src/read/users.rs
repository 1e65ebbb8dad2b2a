//! Users tables: a CSV's bytes in, `PersonRecord`s out (email, name, role,
//! user id), each located by row. Used for Chorus's users CSV inside an
//! archive (First Name, Last Name, Email Address, Chorus Role, ...) and for
//! the customer's Outdoo roster (`--roster`). Headers are matched by alias,
//! ignoring case, spaces and punctuation; a table without an email column is
//! not a users table.

use crate::model::calls::PersonRecord;
use crate::model::Location;
use crate::read::text::decode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Email,
    Name,
    FirstName,
    LastName,
    Role,
    UserId,
}

const ALIASES: &[(Column, &[&str])] = &[
    (
        Column::Email,
        &[
            "email",
            "emailaddress",
            "email_address",
            "useremail",
            "workemail",
            "mail",
            "login",
        ],
    ),
    (
        Column::Name,
        &["name", "fullname", "username", "displayname", "user"],
    ),
    (Column::FirstName, &["firstname", "givenname", "first"]),
    (
        Column::LastName,
        &["lastname", "surname", "familyname", "last"],
    ),
    (
        Column::Role,
        &["role", "chorusrole", "outdoorole", "userrole"],
    ),
    (
        Column::UserId,
        &["id", "userid", "chorususerid", "chorusid"],
    ),
];

/// The accepted headers, for error messages.
pub const ACCEPTED_USER_HEADERS: &str =
    "email / email address / user email (required); name / full name; first name; last name; role; user id";

fn column_for(header: &str) -> Option<Column> {
    let key: String = header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    ALIASES
        .iter()
        .find(|(_, names)| names.contains(&key.as_str()))
        .map(|(column, _)| *column)
}

fn delimiter(text: &str) -> u8 {
    let first_line = text.lines().next().unwrap_or("");
    [b'\t', b';', b',']
        .into_iter()
        .max_by_key(|d| (first_line.matches(*d as char).count(), *d == b','))
        .unwrap_or(b',')
}

/// Reads a users table, or `None` when its first row has no email column.
/// Rows without an email are skipped (a users table may have blank lines).
pub fn read_people_csv(bytes: &[u8], location: &Location) -> Option<Vec<PersonRecord>> {
    let (text, _) = decode(bytes);
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = records.next()?.ok()?;
    let columns: Vec<Option<Column>> = header.iter().map(column_for).collect();
    if !columns.contains(&Some(Column::Email)) {
        return None;
    }
    let mut people = Vec::new();
    for (index, record) in records.enumerate() {
        let Ok(record) = record else { continue };
        let cell = |wanted: Column| {
            columns
                .iter()
                .zip(record.iter())
                .find(|(c, v)| **c == Some(wanted) && !v.trim().is_empty())
                .map(|(_, v)| v.trim().to_string())
        };
        let Some(email) = cell(Column::Email) else {
            continue;
        };
        let name = cell(Column::Name).or_else(|| {
            let parts: Vec<String> = [cell(Column::FirstName), cell(Column::LastName)]
                .into_iter()
                .flatten()
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        });
        let mut row_location = location.clone();
        row_location.row = Some(index as u64 + 2);
        people.push(PersonRecord {
            email,
            name,
            role: cell(Column::Role),
            user_id: cell(Column::UserId),
            location: row_location,
        });
    }
    Some(people)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chorus_users_csv_and_roster_headers() {
        let csv = "First Name;Last Name;Email Address;Chorus Role\r\nAnn;Lee;Ann.Lee@Example.com;Admin\r\n;;;\r\n";
        let people = read_people_csv(csv.as_bytes(), &Location::file("users.csv")).unwrap();
        assert_eq!(people.len(), 1);
        assert_eq!(people[0].email, "Ann.Lee@Example.com");
        assert_eq!(people[0].name.as_deref(), Some("Ann Lee"));
        assert_eq!(people[0].role.as_deref(), Some("Admin"));
        assert_eq!(people[0].location.row, Some(2));
        assert!(
            read_people_csv(b"Name,Keywords\nPrice,price\n", &Location::file("t.csv")).is_none()
        );
    }
}
