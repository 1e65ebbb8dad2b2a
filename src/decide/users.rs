//! Users: the internal people of imported calls in (hosts and internal
//! participants), Chorus users lists and the customer's Outdoo roster
//! alongside, and out come the users Outdoo needs, one per email (matched
//! case-insensitively), sorted by email. With a roster each is `existing`
//! (keeping the roster's role) or `create`; without one all are `create`.
//! Users to create get the Analyst role, as Outdoo's migration promises.
//! External participants are attendees, never users; internal people
//! without an email are reported.

use crate::model::calls::PlannedCall;
use crate::model::calls::{PersonRecord, User, UserAction};
use crate::model::packed::Packed;
use crate::report::{ReasonCode, Report};
use std::collections::{BTreeMap, HashMap};

/// The role Outdoo gives users it creates during a migration.
pub const NEW_USER_ROLE: &str = "Analyst";

pub fn decide_users(
    calls: &Packed<PlannedCall>,
    chorus_users: &[PersonRecord],
    roster: Option<&[PersonRecord]>,
    report: &mut Report,
) -> Vec<User> {
    let chorus: HashMap<String, &PersonRecord> = chorus_users
        .iter()
        .rev()
        .map(|p| (p.email.to_ascii_lowercase(), p))
        .collect();
    let roster: Option<HashMap<String, &PersonRecord>> = roster.map(|r| {
        r.iter()
            .rev()
            .map(|p| (p.email.to_ascii_lowercase(), p))
            .collect()
    });
    let mut users: BTreeMap<String, User> = BTreeMap::new();
    for planned in calls.iter() {
        let mut reported: Vec<&str> = Vec::new();
        for person in &planned.internal_people {
            let Some(email) = &person.email else {
                let name = person.name.as_deref().unwrap_or("someone");
                if !reported.contains(&name) {
                    reported.push(name);
                    report.warning(
                        ReasonCode::UserWithoutEmail,
                        planned.location.clone(),
                        format!(
                            "call {}: internal participant \"{name}\" has no email, so they cannot be matched to an Outdoo user; \
they stay on the call as an attendee",
                            planned.call.source_id
                        ),
                    );
                }
                continue;
            };
            let key = email.to_ascii_lowercase();
            let known = chorus.get(&key);
            let user = users.entry(key.clone()).or_insert_with(|| {
                let existing = roster.as_ref().and_then(|r| r.get(&key));
                User {
                    email: key.clone(),
                    name: None,
                    action: if existing.is_some() {
                        UserAction::Existing
                    } else {
                        UserAction::Create
                    },
                    role: match existing {
                        Some(row) => row.role.clone(),
                        None => Some(NEW_USER_ROLE.to_string()),
                    },
                    chorus_user_id: None,
                }
            });
            user.name = user
                .name
                .take()
                .or_else(|| known.and_then(|k| k.name.clone()))
                .or_else(|| person.name.clone());
            user.chorus_user_id = user
                .chorus_user_id
                .take()
                .or_else(|| known.and_then(|k| k.user_id.clone()))
                .or_else(|| person.chorus_user_id.clone());
        }
    }
    users.into_values().collect()
}
