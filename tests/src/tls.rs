//! Throwaway certificates for TLS tests: a certificate authority and server
//! certificates it signs, made with the `openssl` command (installed by
//! `scripts/setup.sh`), as PEM text in memory. EC P-256 keys, valid for two
//! days.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

/// A certificate authority of its own.
#[derive(Clone, Debug)]
pub struct TestCa {
    cert_pem: Vec<u8>,
    key_pem: Vec<u8>,
}

/// A server's certificate (signed by a [`TestCa`]) and private key, PEM.
#[derive(Clone, Debug)]
pub struct ServerCert {
    /// The certificate.
    pub cert_pem: Vec<u8>,
    /// Its private key.
    pub key_pem: Vec<u8>,
    /// The certificate of the CA that signed it.
    pub ca_pem: Vec<u8>,
}

impl TestCa {
    /// A new CA named `name`.
    ///
    /// # Panics
    /// If `openssl` is missing or fails.
    pub fn generate(name: &str) -> Self {
        let dir = Scratch::new();
        dir.write(
            "ca.cnf",
            b"[req]\ndistinguished_name = dn\nx509_extensions = ca\n[dn]\n\
              [ca]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\n\
              subjectKeyIdentifier = hash\n",
        );
        openssl(
            dir.path(),
            "req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 2 \
             -config ca.cnf -keyout ca.key -out ca.crt",
            &["-subj", &format!("/CN={name}")],
        );
        Self {
            cert_pem: dir.read("ca.crt"),
            key_pem: dir.read("ca.key"),
        }
    }

    /// The CA's certificate, PEM: what a client trusts.
    pub fn cert_pem(&self) -> &[u8] {
        &self.cert_pem
    }

    /// A server certificate for `names` (`IP:127.0.0.1`, `DNS:localhost`:
    /// the `subjectAltName` entries), signed by this CA.
    ///
    /// # Panics
    /// If `openssl` fails.
    pub fn issue(&self, names: &[&str]) -> ServerCert {
        let dir = Scratch::new();
        dir.write("ca.crt", &self.cert_pem);
        dir.write("ca.key", &self.key_pem);
        let extensions = format!(
            "basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\n\
             extendedKeyUsage = serverAuth\nsubjectAltName = {}\n",
            names.join(", ")
        );
        dir.write("server.ext", extensions.as_bytes());
        openssl(
            dir.path(),
            "req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
             -keyout server.key -out server.csr",
            &["-subj", "/CN=test server"],
        );
        openssl(
            dir.path(),
            "x509 -req -in server.csr -CA ca.crt -CAkey ca.key -days 2 \
             -extfile server.ext -out server.crt",
            &["-set_serial", &next_serial().to_string()],
        );
        ServerCert {
            cert_pem: dir.read("server.crt"),
            key_pem: dir.read("server.key"),
            ca_pem: self.cert_pem.clone(),
        }
    }
}

/// Serial numbers, unique within the test process.
fn next_serial() -> u64 {
    static SERIAL: AtomicU64 = AtomicU64::new(1);
    SERIAL.fetch_add(1, Ordering::Relaxed)
}

/// Runs `openssl` in `dir` with the words of `command`, then `more` (the
/// arguments that may hold spaces).
fn openssl(dir: &Path, command: &str, more: &[&str]) {
    let output = Command::new("openssl")
        .args(command.split_whitespace())
        .args(more)
        .current_dir(dir)
        .output()
        .expect("openssl (installed by scripts/setup.sh)");
    assert!(
        output.status.success(),
        "openssl {command} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A temporary directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        static COUNT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "session-tests-tls-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        Self(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn write(&self, name: &str, contents: &[u8]) {
        std::fs::write(self.0.join(name), contents).expect("write a temporary file");
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.0.join(name)).expect("openssl wrote its output")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
