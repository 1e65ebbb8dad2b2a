#!/usr/bin/env bash
# Runs every fuzz target until each has had MINUTES of CPU time (not wall
# time: on a shared machine a wall-clock budget says little), two at a time,
# at low priority, with the corpora in fuzz/corpus/<target>. Prints one line
# per target: CPU minutes, runs, corpus size, and crashes found (files in
# fuzz/artifacts/<target>). Usage: fuzz/run.sh [MINUTES] [TARGET[=MINUTES] ...]
set -euo pipefail
cd "$(dirname "$0")"
minutes=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(trackers archive_entry archive_zip verify expression edits)

cargo +nightly fuzz build --release >&2
bin=target/x86_64-unknown-linux-gnu/release
mkdir -p logs

run_one() {
    local target=${1%%=*} minutes=$2 bin=$3
    case $1 in *=*) minutes=${1#*=} ;; esac
    mkdir -p "corpus/$target" "artifacts/$target"
    local before
    before=$(ls "artifacts/$target" | wc -l)
    nice -n 19 "$bin/$target" "corpus/$target" \
        -artifact_prefix="artifacts/$target/" -rss_limit_mb=2048 -timeout=20 \
        -print_final_stats=1 >"logs/$target.log" 2>&1 &
    local pid=$! ticks cpu_s=0
    local hz
    hz=$(getconf CLK_TCK)
    while kill -0 "$pid" 2>/dev/null; do
        sleep 10
        ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
        cpu_s=$((ticks / hz))
        if [ "$cpu_s" -ge $((minutes * 60)) ]; then
            kill -INT "$pid" 2>/dev/null || true
            break
        fi
    done
    wait "$pid" || true
    local runs corpus after
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$target.log" | grep -o '[0-9]*$' || echo '?')
    corpus=$(ls "corpus/$target" | wc -l)
    after=$(ls "artifacts/$target" | wc -l)
    echo "$target: $((cpu_s / 60)) CPU minutes, $runs runs, corpus $corpus inputs, $((after - before)) new crashes"
}
export -f run_one
printf '%s\n' "${targets[@]}" | xargs -P 2 -I{} bash -c 'run_one "$@"' _ {} "$minutes" "$bin"
