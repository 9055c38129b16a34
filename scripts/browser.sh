#!/usr/bin/env bash
# Headless Chromium for the page's browser test (tests/test_app_browser.py): Debian's `chromium`
# package, installed with apt-get when /usr/bin/chromium is missing and we may (root, apt-get).
# Never fails setup: without Chromium the browser test is skipped and says why.
set -uo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "note: /usr/bin/chromium is missing and cannot be installed here (needs root and apt-get);" \
    "the browser test will be skipped" >&2
  exit 0
fi
echo "installing chromium (apt-get) for the browser test"
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; then
  echo "note: installing chromium failed; the browser test will be skipped" >&2
fi
exit 0
