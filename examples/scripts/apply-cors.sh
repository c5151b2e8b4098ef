#!/usr/bin/env bash
# Applies the CORS document to the receipts bucket (not managed by Terraform).
set -euo pipefail
cd "$(dirname "$0")/.."
aws s3api put-bucket-cors --bucket acme-prod-receipts --cors-configuration file://cors/receipts.json
