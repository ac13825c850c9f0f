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
# Namespaces with Pod Security labels (valid, invalid, wrong types) next to a pod, so that
# label parsing (and the engine's per-namespace policy) is reached from the start.
ns() { printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n  labels:\n%s\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\nspec:\n  containers: [{name: c, image: i, securityContext: {privileged: true}}]\n' "$1"; }
i=0
for labels in \
  '    pod-security.kubernetes.io/enforce: restricted\n    pod-security.kubernetes.io/enforce-version: v1.25' \
  '    pod-security.kubernetes.io/enforce: baseline\n    pod-security.kubernetes.io/warn: restricted\n    pod-security.kubernetes.io/warn-version: latest\n    pod-security.kubernetes.io/audit: privileged\n    pod-security.kubernetes.io/audit-version: v1.0' \
  '    pod-security.kubernetes.io/enforce: strict\n    pod-security.kubernetes.io/enforce-version: v1.025\n    pod-security.kubernetes.io/warn-version: v2.1' \
  '    pod-security.kubernetes.io/enforce: [restricted]\n    pod-security.kubernetes.io/enforce-version: 1.25\n    pod-security.kubernetes.io/audit: yes'; do
  for t in loader pss engine; do ns "$(printf "$labels")" >"$here/corpus/$t/seed-namespace-$i"; done
  i=$((i + 1))
done
for t in loader pss engine; do echo "corpus/$t: $(ls "$here/corpus/$t" | wc -l) files"; done
# AdmissionReviews for the admission target: a privileged pod, a Deployment update with its
# old object, an ephemeral-container subresource, a namespace with invalid labels, a binding
# to cluster-admin, a DELETE.
mkdir -p "$here/corpus/admission"
review() { printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-%s","kind":{"group":"%s","version":"v1","kind":"%s"},"resource":{"group":"%s","version":"v1","resource":"%s"},"subResource":"%s","namespace":"shop","name":"x","operation":"%s","userInfo":{"username":"alice","groups":["dev"]},"object":%s,"oldObject":%s,"dryRun":false}}' "$@"; }
pod='{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","namespace":"shop"},"spec":{"securityContext":{"runAsUser":1000},"containers":[{"name":"c","image":"nginx","securityContext":{"privileged":true}}],"ephemeralContainers":[{"name":"d","image":"busybox"}]}}'
deploy='{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x"},"spec":{"template":{"metadata":{"labels":{"a":"b"}},"spec":{"hostNetwork":true,"containers":[{"name":"c","image":"nginx:latest","ports":[{"containerPort":80,"hostPort":80}]}]}}}}'
nsobj='{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop","labels":{"palisade.dev/enforce":"strict","palisade.dev/warn-version":"v1.05"}}}'
rb='{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"x","namespace":"shop"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"Group","name":"system:authenticated"}]}'
review 1 "" Pod "" pods "" CREATE "$pod" null >"$here/corpus/admission/seed-pod"
review 2 apps Deployment apps deployments "" UPDATE "$deploy" "$deploy" >"$here/corpus/admission/seed-deployment-update"
review 3 "" Pod "" pods ephemeralcontainers UPDATE "$pod" "$pod" >"$here/corpus/admission/seed-ephemeral"
review 4 "" Namespace "" namespaces "" CREATE "$nsobj" null >"$here/corpus/admission/seed-namespace"
review 5 rbac.authorization.k8s.io RoleBinding rbac.authorization.k8s.io rolebindings "" CREATE "$rb" null >"$here/corpus/admission/seed-binding"
review 6 "" Pod "" pods "" DELETE null "$pod" >"$here/corpus/admission/seed-delete"
