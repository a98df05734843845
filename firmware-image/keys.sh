#!/usr/bin/env bash
# Makes a throw-away update PKI for tests: a root CA the image trusts, a
# signing certificate under it, and a "foreign" CA + signer the image does
# not trust. The real consortium update key is made and kept as
# docs/firmware.md "The update key" says, never with this script's output.
set -euo pipefail
case "${1:-}" in
  -h|--help)
    cat <<'HELP'
firmware-image/keys.sh: makes a throw-away RAUC update PKI for tests in DIR:
  ca.cert.pem            root certificate the test image trusts (keyring)
  signing.{cert,key}.pem a code-signing certificate issued by it
  foreign/...            the same again, under a CA the image does not trust
Certificates are valid from 2000-01-01 to 9999-12-31 (a kiosk's clock may
be far off; RAUC checks validity against it).

usage: firmware-image/keys.sh DIR
       firmware-image/keys.sh --help

exit status: 0 made, 1 openssl failed, 2 usage error
HELP
    exit 0 ;;
  -*) echo "keys.sh: unknown option '$1'; see --help" >&2; exit 2 ;;
  '') echo "keys.sh: no DIR given; see --help" >&2; exit 2 ;;
esac
[ $# -eq 1 ] || { echo "keys.sh: one DIR only; see --help" >&2; exit 2; }

pki() {
  local d=$1 name=$2
  mkdir -p "$d/ca"
  : > "$d/ca/index.txt"; echo 01 > "$d/ca/serial"
  cat > "$d/ca/openssl.cnf" <<CNF
[ ca ]
default_ca = updateca
[ updateca ]
dir = $d/ca
database = \$dir/index.txt
new_certs_dir = \$dir
serial = \$dir/serial
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[ anything ]
commonName = supplied
organizationName = optional
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ v3_sign ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
  local cnf=$d/ca/openssl.cnf
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/ca.key.pem" 2>/dev/null
  openssl req -new -key "$d/ca.key.pem" -subj "/O=$name/CN=$name update root" -config "$cnf" -out "$d/ca/ca.csr"
  openssl ca -batch -config "$cnf" -selfsign -keyfile "$d/ca.key.pem" -extensions v3_ca \
    -startdate 20000101000000Z -enddate 99991231235959Z -in "$d/ca/ca.csr" -out "$d/ca.cert.pem" 2>/dev/null
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/signing.key.pem" 2>/dev/null
  openssl req -new -key "$d/signing.key.pem" -subj "/O=$name/CN=$name update signer" -config "$cnf" -out "$d/ca/signing.csr"
  openssl ca -batch -config "$cnf" -cert "$d/ca.cert.pem" -keyfile "$d/ca.key.pem" -extensions v3_sign \
    -startdate 20000101000000Z -enddate 99991231235959Z -in "$d/ca/signing.csr" -out "$d/signing.cert.pem" 2>/dev/null
}
DIR=$1
rm -rf "$DIR"; mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
pki "$DIR" "Jaring test consortium"
pki "$DIR/foreign" "Someone else"
echo "update PKI for tests in $DIR (trusted: ca.cert.pem; foreign/ is not)"
