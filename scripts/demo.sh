#!/usr/bin/env bash
# The main job on an embedded default: a fresh workspace, a case, the case list, and a
# verified audit trail.
set -euo pipefail
HOME_DIR="${1:-demo-workspace}"
G=".venv/bin/genkend --home $HOME_DIR --user demo.investigator"

rm -rf "$HOME_DIR"
$G case create DEMO-1 --title "Demo case: generated evidence"
$G case list
$G audit verify
