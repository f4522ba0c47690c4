#!/usr/bin/env bash
# Deploy the messenger to a real Firebase project: security rules, then the Cloud Functions.
#   scripts/deploy.sh PROJECT_ID [extra args for deploy_functions.py, e.g. --database-region europe-west1]
# Needs the Firebase CLI (`firebase login`) and the Google Cloud CLI (`gcloud auth login`).
set -euo pipefail
cd "$(dirname "$0")/.."
project="${1:?usage: scripts/deploy.sh PROJECT_ID [deploy_functions.py options]}"
shift
command -v firebase >/dev/null || { echo "error: install the Firebase CLI (npm i -g firebase-tools)" >&2; exit 2; }
command -v gcloud >/dev/null || { echo "error: install the Google Cloud CLI" >&2; exit 2; }
firebase deploy --only database --project "$project"
python3 scripts/deploy_functions.py --project "$project" --run "$@"
