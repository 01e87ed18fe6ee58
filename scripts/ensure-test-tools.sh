#!/usr/bin/env bash
# The tools the full test suite runs besides Python (make test calls this; so does CI through make test):
#   chromium              renders the HTML report (tests/test_report.py)
#   virtuoso-opensource   a second, different real triple store (tests/test_push.py, test_stores_agree.py; ADR 0012)
#   libapache-jena-java   Jena ARQ, run offline as a third SPARQL engine (ADR 0012)
#   libowlapi-java        the OWL API: OWL 2 DL profile check of the OWL exports (tests/export/test_owl.py)
#   default-jdk-headless  javac, for the small Java checkers those tests compile
# Each test starts its own private Virtuoso on 127.0.0.1; the package's system service must never start (it
# would listen on 0.0.0.0), so a policy-rc.d refuses service starts during the install.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v virtuoso-t >/dev/null 2>&1 || missing+=(virtuoso-opensource)
[ -f /usr/share/java/jena-arq.jar ] || missing+=(libapache-jena-java)
dpkg -s libowlapi-java >/dev/null 2>&1 || missing+=(libowlapi-java)
command -v javac >/dev/null 2>&1 || missing+=(default-jdk-headless)
[ "${#missing[@]}" -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: the full test suite needs: ${missing[*]} (Debian package names); install them and retry," >&2
  echo "or run the fast suite without them: make check" >&2
  exit 2
fi
SUDO=""
[ "$(id -u)" = "0" ] || SUDO="sudo"
echo "installing test tools with apt-get: ${missing[*]}" >&2
made_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null && $SUDO chmod +x /usr/sbin/policy-rc.d
  made_policy=yes
fi
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ -z "$made_policy" ] || $SUDO rm -f /usr/sbin/policy-rc.d
