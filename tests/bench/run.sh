#!/usr/bin/env bash
# The benchmark behind `make bench`: generated sample archives converted by
# the release CLI (alone, and with the sample's tracker export, whose
# triggers are then replayed over the transcripts: the replay's cost; and a
# cutover run after a bulk package of about 90% of the calls), a generated
# 5,000-tracker export previewed, and a table of medians. Installs nothing; needs the release CLI (make build); peak memory
# comes from /usr/bin/time when it is there. Figures are medians of RUNS
# runs (default 5) for the CLI, of PAGE_RUNS (default 3) for the page.
#
#   tests/bench/run.sh                 # 2,000 and 10,000 calls
#   CALLS="500 2000" RUNS=3 tests/bench/run.sh
#   CALLS="10000 150000" PAGE_CALLS=10000 tests/bench/run.sh   # 150,000 calls by the CLI only
#   MEDIA=1 tests/bench/run.sh         # sample archives with recordings (sample --media)
#   MEDIA_BYTES=20000000 CALLS=300 tests/bench/run.sh   # recordings of 20 MB each (sample --media-bytes)
#   PAGE_PART_SIZE=2GB tests/bench/run.sh   # the page splits its package into parts of 2 GB
#   WORKERS="1 4" tests/bench/run.sh   # the page with these numbers of workers (default: 1 and one per core)
set -euo pipefail
cd "$(dirname "$0")/../.."

CLI=${CLI:-target/release/chorus2outdoo}
RUNS=${RUNS:-5}
CALLS=${CALLS:-"2000 10000"}
# The sizes the page is measured at too (a size only the CLI runs shows how
# its memory grows without the page's minutes per run).
PAGE_CALLS=${PAGE_CALLS:-$CALLS}
WORK=${BENCH_DIR:-$(mktemp -d -t chorus2outdoo-bench.XXXXXX)}
mkdir -p "$WORK"
CORES=$(nproc)

[ -x "$CLI" ] || { echo "bench: $CLI is missing; run make build" >&2; exit 1; }

# One run: prints "<seconds> <peak RSS in KB> <CPU seconds>". Without
# /usr/bin/time (Debian's `time` package) the shell times it and the peak
# memory reads as 0.
measure() {
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%e %M %U %S' -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/stderr.txt" || {
      cat "$WORK/stderr.txt" >&2
      exit 1
    }
  else
    local TIMEFORMAT='%R 0 %U %S'
    { time "$@" >/dev/null 2>"$WORK/stderr.txt"; } 2>"$WORK/time.txt" || {
      cat "$WORK/stderr.txt" >&2
      exit 1
    }
  fi
  awk '{ print $1, $2, $3 + $4 }' "$WORK/time.txt"
}

# Median of the numbers on stdin.
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# RUNS runs of a command: prints "<median seconds> <median peak RSS in MB>
# <median CPU seconds>". The CPU time shows the work done even when other
# processes share the cores; the wall time is what a person waits.
runs() {
  local times=() rss=() cpu=()
  for _ in $(seq "$RUNS"); do
    read -r t m c < <(measure "$@")
    times+=("$t")
    rss+=("$m")
    cpu+=("$c")
  done
  printf '%s %s %s\n' "$(printf '%s\n' "${times[@]}" | median)" \
    "$(printf '%s\n' "${rss[@]}" | median | awk '{ printf "%.0f", $1 / 1024 }')" \
    "$(printf '%s\n' "${cpu[@]}" | median)"
}

echo "chorus2outdoo benchmark: $(date -u +%Y-%m-%dT%H:%MZ), $CORES cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $RUNS runs each, medians"
echo
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine slows the wall times)"
echo
printf '%-32s %7s %8s %8s %7s %8s %8s\n' "run" "calls" "JSON MB" "wall s" "MB/s" "CPU s" "peak MB"

native_rates=""
# With MEDIA=1 the samples hold recordings too (sample-<calls>-media.zip);
# with MEDIA_BYTES=N recordings of N bytes each (sample-<calls>-media-N.zip).
MEDIA_ARGS=${MEDIA:+--media}
SAMPLE_SUFFIX=${MEDIA:+-media}
if [ -n "${MEDIA_BYTES:-}" ]; then
  MEDIA_ARGS="--media-bytes $MEDIA_BYTES"
  SAMPLE_SUFFIX="-media-$MEDIA_BYTES"
fi
export SAMPLE_SUFFIX
for calls in $CALLS; do
  archive="$WORK/sample-$calls$SAMPLE_SUFFIX.zip"
  # The generator says how much JSON it wrote ("... (87.6 MB of JSON) ...").
  if [ ! -f "$archive" ] || [ ! -f "$archive.txt" ] || [ ! -f "$archive.trackers.csv" ]; then
    "$CLI" sample --calls "$calls" --seed 1 $MEDIA_ARGS --out "$archive" --trackers-out "$archive.trackers.csv" 2>"$archive.txt"
  fi
  json_bytes=$(sed -n 's/.*(\([0-9.]*\) MB of JSON).*/\1/p' "$archive.txt" | awk '{ printf "%.0f", $1 * 1e6 }')
  json_mb=$(awk -v b="$json_bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
  for jobs in "$CORES" 1; do
    read -r wall peak cpu < <(runs "$CLI" --quiet convert --archive "$archive" --jobs "$jobs" --out "$WORK/package.zip")
    rate=$(awk -v b="$json_bytes" -v t="$wall" 'BEGIN { print b / 1e6 / t }')
    printf '%-32s %7s %8s %8.2f %7.1f %8.2f %8s\n' "native CLI, $jobs thread(s)" "$calls" "$json_mb" "$wall" \
      "$rate" "$cpu" "$peak"
    [ "$jobs" != "$CORES" ] || native_rates="$native_rates $calls:$rate"
    [ "$jobs" != "$CORES" ] || full_wall=$wall
    # The same conversion with the sample's tracker export: the triggers
    # are replayed over every transcript (fidelity.json); the difference
    # is the replay's cost.
    read -r rwall rpeak rcpu < <(runs "$CLI" --quiet convert --archive "$archive" --trackers "$archive.trackers.csv" \
      --jobs "$jobs" --out "$WORK/package-replay.zip")
    printf '%-32s %7s %8s %8.2f %7.1f %8.2f %8s\n' "  + replay, $jobs thread(s)" "$calls" "$json_mb" "$rwall" \
      "$(awk -v b="$json_bytes" -v t="$rwall" 'BEGIN { print b / 1e6 / t }')" "$rcpu" "$rpeak"
    replay_lines="${replay_lines:-}$(awk -v c="$calls" -v j="$jobs" -v w="$wall" -v rw="$rwall" -v u="$cpu" -v ru="$rcpu" \
      'BEGIN { printf "  %s calls, %s thread(s): replay %+.1f%% wall, %+.1f%% CPU (target: under 15%%)\\n", c, j, (rw / w - 1) * 100, (ru / u - 1) * 100 }')"
  done
  # A cutover run: the bulk package holds the calls up to a day about 10% of
  # the calls before the sample's newest (one every 40 minutes on average),
  # and the run over the whole archive leaves those out (--after-package).
  bulk_to=$(date -u -d @$((1793491200 - calls * 240)) +%F)
  "$CLI" --quiet convert --archive "$archive" --to "$bulk_to" --jobs "$CORES" --out "$WORK/bulk.zip"
  read -r dwall dpeak dcpu < <(runs "$CLI" --quiet convert --archive "$archive" --after-package "$WORK/bulk.zip" \
    --jobs "$CORES" --out "$WORK/cutover.zip")
  printf '%-32s %7s %8s %8.2f %7s %8.2f %8s\n' "  cutover run, $CORES thread(s)" "$calls" "$json_mb" "$dwall" "-" "$dcpu" "$dpeak"
  delta_lines="${delta_lines:-}$(python3 - "$WORK/bulk.zip" "$WORK/cutover.zip" "$calls" "$dwall" "$full_wall" <<'PY'
import sys, zipfile
def lines(path):
    with zipfile.ZipFile(path) as z:
        return z.read("calls.jsonl").count(b"\n")
bulk, new = lines(sys.argv[1]), lines(sys.argv[2])
calls, wall, full = sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
print(f"  {calls} calls: cutover run after a bulk package of {bulk} calls ({100 * bulk / (bulk + new):.0f}% of the imported calls): "
      f"{new} new, {wall:.2f} s against {full:.2f} s for the whole archive ({wall / full:.2f}x)\\n", end="")
PY
)"
  package_mb=$(awk -v b="$(stat -c %s "$WORK/package.zip")" 'BEGIN { printf "%.1f", b / 1e6 }')
  echo "  (archive $(awk -v b="$(stat -c %s "$archive")" 'BEGIN { printf "%.1f", b / 1e6 }') MB zipped, package $package_mb MB)"
done

# A 5,000-tracker export: inspect converts it and prints what the preview shows.
trackers="$WORK/trackers_5000.csv"
{
  echo "Tracker Name,Category,Type,Keywords,Said By,Language"
  for i in $(seq 1 5000); do
    echo "Tracker $i,Category $((i % 40)),Basic,\"phrase $i a, phrase $i b, phrase $i c\",Anyone,en"
  done
} >"$trackers"
read -r wall peak cpu < <(runs "$CLI" inspect "$trackers")
printf '%-32s %7s %8s %8.3f %7s %8.2f %8s\n' "native preview, 5,000 trackers" "-" "-" "$wall" "-" "$cpu" "$peak"
printf '%b' "${replay_lines:-}"
printf '%b' "${delta_lines:-}"

# The page: the same archives and export in headless Chromium (tests/e2e/bench.mjs).
if [ -x "${CHROMIUM:-/usr/bin/chromium}" ] && [ -d tests/e2e/node_modules/playwright-core ] && [ -f www/pkg/chorus2outdoo_bg.wasm ]; then
  NATIVE_RATES="$native_rates" node tests/e2e/bench.mjs "$WORK" "$PAGE_CALLS" "${PAGE_RUNS:-3}" "$trackers"
else
  echo "page: not measured (needs /usr/bin/chromium, tests/e2e/node_modules and www/pkg: make bench installs and builds them)"
fi
[ -n "${BENCH_DIR:-}" ] || rm -rf "$WORK"
