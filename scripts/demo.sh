#!/usr/bin/env bash
# genkend's main job on an embedded default: generated evidence (a few hundred pictures,
# copies, look-alikes, nested archives, bad files and a public-domain portrait), a known
# hash set, the full triage, face clustering, a gallery search, a VICS export, and the
# audit trail verified. Everything lands in one folder ($1, default demo-workspace).
set -euo pipefail
DEMO="${1:-demo-workspace}"
rm -rf "$DEMO"
mkdir -p "$DEMO"
export GENKEND_HOME="$DEMO/workspace"
# The demo account set (documented in the README): one person per role.
AS() { local who=$1; shift; echo; echo "\$ genkend --user $who $*"; .venv/bin/genkend --user "$who" "$@"; }
G() { AS demo.investigator "$@"; }

echo "== generating demo evidence in $DEMO/input (synthetic pictures; no people but one"
echo "   public-domain NASA portrait shipped with scikit-image)"
.venv/bin/python -m genkend.demo "$DEMO/input"

AS demo.admin user add demo.admin --role admin
AS demo.admin user add demo.investigator --role investigator
AS demo.admin user add demo.supervisor --role supervisor
AS demo.admin user add demo.reviewer1 --role reviewer
AS demo.admin user add demo.reviewer2 --role reviewer
AS demo.admin user add demo.auditor --role auditor
# Passwords for the web application (make serve-demo), demo only: each account sets its
# own on standard input, as a person would.
DEMO_PASSWORD="genkend-demo-only"
for who in demo.admin demo.investigator demo.supervisor demo.reviewer1 demo.reviewer2 demo.auditor; do
    echo "$DEMO_PASSWORD" | .venv/bin/genkend --user "$who" user password "$who"
done
G case create DEMO-1 --title "Demo case: generated evidence"
# membership is given only by a member: the case's creator brings in its supervisor
G case member add DEMO-1 demo.supervisor
AS demo.supervisor case member add DEMO-1 demo.reviewer1
AS demo.supervisor case member add DEMO-1 demo.reviewer2
G hashset import "$DEMO/input/hashsets/known.vics.json" --name "demo-known-vics"
G hashset import "$DEMO/input/hashsets/nsrl-like.txt" --name "demo-os-files" --non-pertinent
G hashset list
G ingest "$DEMO/input/evidence" --case DEMO-1 --source-id EV-1
G media list --case DEMO-1 --status known
G media list --case DEMO-1 --status near_known
G faces cluster --case DEMO-1
G clusters list --case DEMO-1
G gallery enroll --identity "Demo person (NASA portrait)" --status identified \
    --provenance "scikit-image astronaut, public domain" "$DEMO/input/gallery/eileen-collins-reference.jpg"
AS demo.supervisor authorisation grant --case DEMO-1 --authority "Demo prosecutor" \
    --reference "DEMO-AUTH-1" --valid-until 2099-12-31
G search face --image "$DEMO/input/evidence/portraits/astronaut-small.jpg" --case DEMO-1 \
    --gallery --purpose "demo: identify the person in the portraits" --legal-basis "demo only"
G export vics --case DEMO-1 -o "$DEMO/DEMO-1.vics.json" --purpose "demo: share with partner" \
    --legal-basis "demo only"
AS demo.auditor audit verify
echo
echo "demo finished: workspace $GENKEND_HOME; try: GENKEND_HOME=$GENKEND_HOME .venv/bin/genkend media list --case DEMO-1"
echo "in a browser: make serve-demo, then http://127.0.0.1:8000 as demo.investigator (or any"
echo "demo account) with the password $DEMO_PASSWORD"
