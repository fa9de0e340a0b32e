#!/usr/bin/env bash
# What `#[derive(Session)]` costs to compile, per struct, against serde's
# `#[derive(Serialize, Deserialize)]` on the same structs.
#
# Generates three crates under target/derive-cost/ with the same STRUCTS
# structs of five fields (an `Option`, two plain values, a `Vec`, a flash
# `Option`) and the same dependencies, differing only in the derive:
#   none     no derive: the baseline every other figure is taken over
#   serde    #[derive(Serialize, Deserialize)]
#   session  #[derive(Session)] (the field types already implement serde)
# then times a debug `cargo build` of each, RUNS times, interleaved (none,
# serde, session, none, ...) so that load from elsewhere on the machine falls
# on all three alike. Each build starts from `cargo clean -p` of that crate
# only (no incremental cache left for it; its dependencies stay built, once,
# in a target dir the three share).
#
# Prints the median wall and CPU time of each (scripts/derive_cost_time.py),
# the per-struct cost over `none`, and the ratio
# (t_session - t_none) / (t_serde - t_none).
#
# With COUNT=ir it counts the instructions rustc runs instead (valgrind's
# cachegrind): the same figure on every run whatever else the machine does,
# but some fifty times slower, so fewer structs and one run do.
#
# usage: scripts/derive_cost.sh            (STRUCTS=200 RUNS=3)
#        STRUCTS=100 RUNS=5 FEATURES=axum scripts/derive_cost.sh
#        COUNT=ir STRUCTS=20 RUNS=1 scripts/derive_cost.sh
# FEATURES are session-runtime features added to its defaults, for all three.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
structs=${STRUCTS:-200}
runs=${RUNS:-3}
features=${FEATURES:-}
root=$repo/target/derive-cost
target=$root/target
mkdir -p "$root"

# One struct, with `$1` in front of it and `$2` in front of the flash field.
struct() {
  local i=$1 derive=$2 flash=$3
  cat <<EOF
$derive
pub struct Schema$i {
    pub user: Option<u64>,
    pub visits: u32,
    pub name: String,
    pub tags: Vec<String>,
    $flash
    pub notice: Option<String>,
}

EOF
}

# `gen NAME DERIVE FLASH`: the crate derive-cost-NAME.
gen() {
  local name=$1 derive=$2 flash=$3 dir=$root/$1
  mkdir -p "$dir/src"
  local feature_list=""
  if [[ -n $features ]]; then
    feature_list=", features = [$(sed 's/[^,][^,]*/"&"/g' <<<"$features")]"
  fi
  cat >"$dir/Cargo.toml" <<EOF
[package]
name = "derive-cost-$name"
version = "0.0.0"
edition = "2024"
publish = false

# Its own workspace: not a member of the repository's.
[workspace]

[dependencies]
serde = { version = "1", features = ["derive"] }
session-runtime = { path = "$repo/session-runtime"$feature_list }
EOF
  # The repository's lock: the same dependency versions, no resolution.
  cp "$repo/Cargo.lock" "$dir/Cargo.lock"
  {
    echo "//! $structs structs: $name."
    echo "#![allow(missing_docs, dead_code, unused_imports)]"
    echo "use serde::{Deserialize, Serialize};"
    echo "use session_runtime::Session;"
    echo
    for ((i = 0; i < structs; i++)); do struct "$i" "$derive" "$flash"; done
  } >"$dir/src/lib.rs"
}

gen none "" ""
gen serde "#[derive(Serialize, Deserialize)]" ""
gen session "#[derive(Session)]" "#[session(flash)]"

# Dependencies (and a first build of each) outside the timings.
for name in none serde session; do
  cargo build --quiet --offline --manifest-path "$root/$name/Cargo.toml" --target-dir "$target"
done

python3 "$repo/scripts/derive_cost_time.py" "$root" "$target" "$structs" "$runs" ${COUNT:-}
