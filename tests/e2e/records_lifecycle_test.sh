#!/usr/bin/env bash
# Records through a node's life against containerd's real image store: images pulled from a real
# docker-registry into containerd's k8s.io namespace, their image IDs read back from containerd,
# then `records gc` (kubelet's PruneUnknownRecords), `records recover` (kubelet's start-up
# recovery) and the shared-digest finding of `records audit` / `doctor --records`.
#
# The image ID is what kubelet stores as imageRef. For containerd that is the digest of the image's
# config: the CRI plugin's PullImage answers `ImageRef: imageID` with
# `imageID := configDesc.Digest.String()` (containerd pkg/cri/server/image_pull.go) and keys its
# image list by it. This test has no CRI client (crictl is not packaged here), so it reads the same
# digest from containerd's content store (the manifest's config descriptor) and checks it against
# the config blob it built. The list handed to pullguard is one line per image,
# `<ID> <name:tag> <name@manifest digest>`: what CRI reports as id, repoTags and repoDigests.
# Usage (CTest): bash records_lifecycle_test.sh <pullguard> <source-dir> <scratch-dir>
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$2/tests/e2e/lib.sh"
pg_e2e "$@"

if ! pg_start_containerd; then
  echo "SKIP: containerd cannot run here (root needed)"
  exit 0
fi
ctr_() { ctr --address "$PG_CONTAINERD_SOCK" -n k8s.io "$@"; }

user=robot
pass=$(pg_secret)
pg_start_registry "$user" "$pass"
reg=$PG_REGISTRY

# Three images: app (also published as mirror: same content, same ID), other, fresh.
declare -A content=([app]="app image\n" [other]="other image\n" [fresh]="fresh image\n")
for name in app other fresh; do
  pg_build_oci_image "$PG_DIR/oci-$name" v1 "$(printf "${content[$name]}")" >/dev/null
  pg_push_image "$PG_DIR/oci-$name" v1 "team/$name:v1" "$user" "$pass"
done
pg_push_image "$PG_DIR/oci-app" v1 "team/mirror:v1" "$user" "$pass"
pg_push_image "$PG_DIR/oci-app" v1 "public/app:v1" "$user" "$pass"
ctr_ images pull --plain-http --user "$user:$pass" "$reg/public/app:v1" >"$PG_DIR/out/pull-public" 2>&1 ||
  pg_fail "containerd could not pull $reg/public/app:v1"  # preloaded: kubelet never records it
for name in app mirror other fresh; do
  ctr_ images pull --plain-http --user "$user:$pass" "$reg/team/$name:v1" >"$PG_DIR/out/pull-$name" 2>&1 ||
    pg_fail "containerd could not pull $reg/team/$name:v1: $(grep -vF -- "$pass" "$PG_DIR/out/pull-$name")"
done

# The runtime's image list as CRI would report it, read from containerd.
list_images() {
  local out=$1 ref digest cfg
  : >"$out"
  while read -r ref _ digest _; do
    [ "$ref" = REF ] && continue
    cfg=$(ctr_ content get "$digest" | python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"])')
    printf '%s %s %s@%s\n' "$cfg" "$ref" "${ref%:*}" "$digest" >>"$out"
  done < <(ctr_ images ls)
}
list_images "$PG_DIR/images.txt"
[ "$(wc -l <"$PG_DIR/images.txt")" -eq 5 ] || pg_fail "containerd lists $(wc -l <"$PG_DIR/images.txt") images, want 5"

id_of() { awk -v r="$reg/team/$1:v1" '$2 == r { print $1 }' "$PG_DIR/images.txt"; }
app=$(id_of app) other=$(id_of other) fresh=$(id_of fresh)
# The ID containerd reports is the config blob we built (sha256 of its bytes).
built=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]+"/index.json"))["manifests"][0]["digest"].split(":")[1]; print(json.load(open(sys.argv[1]+"/blobs/sha256/"+m))["config"]["digest"])' "$PG_DIR/oci-app")
[ "$app" = "$built" ] || pg_fail "containerd's image ID $app is not the config digest $built"
[ "$(id_of mirror)" = "$app" ] || pg_fail "app and mirror should share one image ID"
[ "$other" != "$app" ] && [ "$fresh" != "$app" ] || pg_fail "distinct images share an ID"
pg_log "containerd image IDs are the config digests (app $app)"

# kubelet's records after the pulls: app with a secret, mirror (same ID) with a service account,
# other node-wide; a record of an image long gone; intents of pulls kubelet did not finish.
dir=$PG_DIR/image_manager
add() { "$bin" records add --dir "$dir" >/dev/null || pg_fail "records add $1"; }
printf '{"image":"%s","imageRef":"%s","secret":{"uid":"u1","namespace":"team","name":"pull","credentialHash":"h1"}}' "$reg/team/app:v1" "$app" | add app
printf '{"image":"%s","imageRef":"%s","serviceAccount":{"uid":"u2","namespace":"team","name":"sa"}}' "$reg/team/mirror:v1" "$app" | add mirror
printf '{"image":"%s","imageRef":"%s","nodePodsAccessible":true}' "$reg/team/other:v1" "$other" | add other
gone=sha256:$(printf 'gone' | sha256sum | cut -c1-64)
printf '{"image":"%s","imageRef":"%s","nodePodsAccessible":true}' "$reg/team/gone:v1" "$gone" | add gone
intent() {  # IMAGE: the file kubelet writes before a pull
  local f
  f=$dir/pulling/sha256-$(printf '%s' "$1" | sha256sum | cut -c1-64)
  printf '{"kind":"ImagePullIntent","apiVersion":"kubelet.config.k8s.io/v1beta1","image":"%s"}' "$1" >"$f"
  chmod 600 "$f"
}
intent "$reg/team/fresh:v1"
intent "$reg/team/other:v1"
intent "$reg/team/never-pulled:v1"
record_file() { printf '%s/pulled/sha256-%s' "$dir" "$(printf '%s' "$1" | sha256sum | cut -c1-64)"; }

# The image `other` is removed from the node; the list is taken again (its file is newer than
# every record, so they are all old enough for GC).
ctr_ images rm "$reg/team/other:v1" >/dev/null
sleep 1
list_images "$PG_DIR/images.txt"
[ "$(wc -l <"$PG_DIR/images.txt")" -eq 4 ] || pg_fail "want 4 images after the removal"

# gc --dry-run: says what would go, changes nothing.
before=$(find "$dir/pulled" "$dir/pulling" -type f | sort | xargs sha256sum)
"$bin" records gc --dir "$dir" --images "$PG_DIR/images.txt" --dry-run >"$PG_DIR/out/gc-dry.json"
[ "$(grep -c '"action":"would-remove"' "$PG_DIR/out/gc-dry.json")" -eq 2 ] || pg_fail "dry run: $(cat "$PG_DIR/out/gc-dry.json")"
[ "$(find "$dir/pulled" "$dir/pulling" -type f | sort | xargs sha256sum)" = "$before" ] || pg_fail "dry run changed files"

# The same list as crictl's JSON gives the same answer.
python3 - "$PG_DIR/images.txt" >"$PG_DIR/images.json" <<'PY'
import json, sys
images = []
for line in open(sys.argv[1]):
    f = line.split()
    images.append({"id": f[0], "repoTags": [n for n in f[1:] if "@" not in n],
                   "repoDigests": [n for n in f[1:] if "@" in n], "size": "0", "uid": None,
                   "username": "", "spec": None, "pinned": False})
print(json.dumps({"images": images}, indent=2))
PY
touch -r "$PG_DIR/images.txt" "$PG_DIR/images.json"
"$bin" records gc --dir "$dir" --images - --listed-at "$(date -u +%FT%TZ)" --dry-run <"$PG_DIR/images.json" >"$PG_DIR/out/gc-dry-json.json"
diff <(grep -v Summary "$PG_DIR/out/gc-dry.json") <(grep -v Summary "$PG_DIR/out/gc-dry-json.json") ||
  pg_fail "crictl JSON and the plain list disagree"

# gc: the records of `other` (removed) and `gone` go; app's (shared with mirror) stays; intents stay.
"$bin" records gc --dir "$dir" --images "$PG_DIR/images.txt" >"$PG_DIR/out/gc.json" 2>"$PG_DIR/err/gc"
[ ! -s "$PG_DIR/err/gc" ] || pg_fail "gc wrote to stderr: $(cat "$PG_DIR/err/gc")"
[ ! -e "$(record_file "$other")" ] || pg_fail "gc kept the record of a removed image"
[ ! -e "$(record_file "$gone")" ] || pg_fail "gc kept the record of an image long gone"
[ -e "$(record_file "$app")" ] || pg_fail "gc removed the record of a present image"
[ "$(find "$dir/pulling" -type f | wc -l)" -eq 3 ] || pg_fail "gc touched intents"
grep -q '"kind":"Summary".*"removed":2' "$PG_DIR/out/gc.json" || pg_fail "gc summary: $(tail -1 "$PG_DIR/out/gc.json")"
pg_log "gc: $(tail -1 "$PG_DIR/out/gc.json")"

# recover (kubelet's start-up): fresh is on the node -> a record with no credentials; other was
# removed and never-pulled never arrived -> their intents go.
"$bin" records recover --dir "$dir" --images "$PG_DIR/images.txt" >"$PG_DIR/out/recover.json" 2>"$PG_DIR/err/recover"
[ ! -s "$PG_DIR/err/recover" ] || pg_fail "recover wrote to stderr: $(cat "$PG_DIR/err/recover")"
[ "$(find "$dir/pulling" -type f | wc -l)" -eq 0 ] || pg_fail "recover left intents"
"$bin" records show --dir "$dir" "$fresh" >"$PG_DIR/out/fresh.json" || pg_fail "no record for the recovered image"
! grep -q '"credentialMapping"' "$PG_DIR/out/fresh.json" || pg_fail "recovered record has credentials: $(cat "$PG_DIR/out/fresh.json")"
grep -q '"recorded":1,"removed":2' "$PG_DIR/out/recover.json" || pg_fail "recover summary: $(tail -1 "$PG_DIR/out/recover.json")"
# Every pod must verify the recovered image (kubelet's fail-safe): decide says pull.
printf '{"image":"%s","imageRef":"%s","imagePresent":true,"pullPolicy":"IfNotPresent","policy":"NeverVerifyPreloadedImages","podSecrets":[]}' \
  "$reg/team/fresh:v1" "$fresh" | "$bin" decide --dir "$dir" >"$PG_DIR/out/decide.json"
grep -q '"action":"pull"' "$PG_DIR/out/decide.json" || pg_fail "decide: $(cat "$PG_DIR/out/decide.json")"
pg_log "recover: $(tail -1 "$PG_DIR/out/recover.json")"

# Shared digest: app and mirror reach one ID (kubernetes#138175).
"$bin" records audit --dir "$dir" >"$PG_DIR/out/audit.json"
grep -q "\"imageRef\":\"$app\",\"finding\":\"shared-digest\",\"repositories\":\[\"$reg/team/app\",\"$reg/team/mirror\"\]" "$PG_DIR/out/audit.json" ||
  pg_fail "audit has no shared-digest finding for $app: $(cat "$PG_DIR/out/audit.json")"
"$bin" doctor --records "$dir" >"$PG_DIR/out/doctor.txt" || pg_fail "doctor --records failed: $(cat "$PG_DIR/out/doctor.txt")"
grep -q '^warn  records .* shared digests: 1 imageRefs' "$PG_DIR/out/doctor.txt" || pg_fail "doctor: $(cat "$PG_DIR/out/doctor.txt")"
# With the runtime's list the preloaded public name of the same content shows: the record does
# not map it, so pods naming it must verify (kubernetes#138175).
"$bin" records audit --dir "$dir" --images "$PG_DIR/images.txt" >"$PG_DIR/out/audit-images.json"
grep -q "\"imageRef\":\"$app\",\"finding\":\"shared-digest\",.*\"unmapped\":\[\"$reg/public/app\"\]" "$PG_DIR/out/audit-images.json" ||
  pg_fail "audit --images does not name the preloaded name: $(grep finding "$PG_DIR/out/audit-images.json")"
# doctor says the same with the list: the public name is unmapped (a warning, exit 0); a list that
# does not parse fails the check (exit 1, the report on stderr, nothing on stdout).
"$bin" doctor --records "$dir" --runtime-images "$PG_DIR/images.txt" >"$PG_DIR/out/doctor-images.txt" ||
  pg_fail "doctor --runtime-images failed: $(cat "$PG_DIR/out/doctor-images.txt")"
grep -q "^warn  records .* unmapped names: 1 imageRefs .*\"$app\" as $reg/public/app" "$PG_DIR/out/doctor-images.txt" ||
  pg_fail "doctor --runtime-images: $(cat "$PG_DIR/out/doctor-images.txt")"
echo 'not an image list' >"$PG_DIR/garbage-images.txt"
rc=0
"$bin" doctor --records "$dir" --runtime-images "$PG_DIR/garbage-images.txt" >"$PG_DIR/out/doctor-bad.txt" 2>"$PG_DIR/err/doctor-bad" || rc=$?
[ "$rc" -eq 1 ] && [ ! -s "$PG_DIR/out/doctor-bad.txt" ] && grep -q '^FAIL  runtime images: ' "$PG_DIR/err/doctor-bad" ||
  pg_fail "doctor with a bad list: rc=$rc $(cat "$PG_DIR/out/doctor-bad.txt" "$PG_DIR/err/doctor-bad")"
rc=0
"$bin" doctor --config /dev/null --offline --runtime-images "$PG_DIR/images.txt" >/dev/null 2>"$PG_DIR/err/doctor-usage" || rc=$?
[ "$rc" -eq 2 ] && grep -q 'needs --records' "$PG_DIR/err/doctor-usage" || pg_fail "--runtime-images without --records: rc=$rc"
# A copy of app's record under another name is misfiled: doctor warns once and leaves it out of the
# shared digests (still 1), as audit does.
stray="$dir/pulled/sha256-$(printf stray | sha256sum | cut -c1-64)"
cp "$(record_file "$app")" "$stray"
"$bin" doctor --records "$dir" >"$PG_DIR/out/doctor-misfiled.txt" || pg_fail "doctor with a misfiled record failed"
grep -q '^warn  records .* file names: 1 record files hold another imageRef' "$PG_DIR/out/doctor-misfiled.txt" &&
  grep -q '^warn  records .* shared digests: 1 imageRefs' "$PG_DIR/out/doctor-misfiled.txt" ||
  pg_fail "doctor and a misfiled record: $(cat "$PG_DIR/out/doctor-misfiled.txt")"
rm "$stray"
pg_log "audit and doctor name the shared digest"
echo "records lifecycle: ok"
