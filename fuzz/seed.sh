#!/usr/bin/env bash
# Builds the seed corpora fuzz/corpus/{loader,pss,engine}/ (gitignored) from the project's
# examples, a deterministic sample of ~300 files of shared/corpus/manifests (files of at most
# 16 KiB, the -max_len used), and every file of shared/corpus/invalid. Seeds are named by
# content hash, so re-running is idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
shared="${SHARED:-$here/../../shared}"
[ -d "$shared/corpus" ] || shared=/work/shared
n="${SAMPLE:-300}"
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
{
  find "$here/../examples" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \)
  find "$shared/corpus/manifests" -type f -size -16k -print0 |
    sort -z | shuf -z -n "$n" --random-source=<(yes palisade) | tr '\0' '\n'
  find "$shared/corpus/invalid" -type f
} >"$tmp"
for t in loader pss engine; do mkdir -p "$here/corpus/$t"; done
while IFS= read -r f; do
  h="seed-$(sha1sum "$f" | cut -c1-16)"
  cp "$f" "$here/corpus/loader/$h"
  cp "$f" "$here/corpus/engine/$h"
  # The PSS target only does work on objects that carry a pod template.
  if grep -q 'containers' "$f"; then cp "$f" "$here/corpus/pss/$h"; fi
done <"$tmp"
# Plus a sample of workload manifests for the PSS target.
find "$shared/corpus/manifests" -type f -size -16k -print0 | sort -z |
  xargs -0 grep -lZ 'containers:' | shuf -z -n "$n" --random-source=<(yes pss) |
  while IFS= read -r -d '' f; do cp "$f" "$here/corpus/pss/seed-$(sha1sum "$f" | cut -c1-16)"; done
for t in loader pss engine; do echo "$t: $(ls "$here/corpus/$t" | wc -l) seeds"; done
