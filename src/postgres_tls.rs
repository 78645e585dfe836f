//! TLS for PostgreSQL, chosen by the URL's `sslmode` as libpq users expect:
//!
//! - `disable` (the default): plain TCP;
//! - `require`: encrypted; the server's certificate is not checked (libpq's meaning of the word);
//! - `verify-full`: encrypted, and the certificate must chain to a trusted root and name the
//!   host. Roots are Mozilla's (webpki-roots), plus the PEM file in `sslrootcert=PATH` if given
//!   (for AWS RDS: the region's RDS CA bundle).
//!
//! tokio-postgres itself only knows disable/prefer/require and no root files, so these two
//! parameters are read here and taken out of the URL before it reaches the driver.

use std::path::PathBuf;
use std::sync::Arc;

use diesel::ConnectionError;
use diesel_async::{AsyncConnection as _, AsyncPgConnection};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

pub use crate::config::database::{PgConnectSettings, PgTls};

/// Opens one connection as the URL asks.
pub async fn establish(url: String) -> diesel::ConnectionResult<AsyncPgConnection> {
    let settings = PgConnectSettings::parse(&url).map_err(ConnectionError::InvalidConnectionUrl)?;
    let client_config = match &settings.tls {
        PgTls::Disable => return AsyncPgConnection::establish(&settings.driver_url).await,
        PgTls::Require => encrypt_only()?,
        PgTls::VerifyFull { root_certificates } => verified(root_certificates.as_ref())?,
    };
    let mut config: tokio_postgres::Config =
        settings
            .driver_url
            .parse()
            .map_err(|error: tokio_postgres::Error| {
                ConnectionError::InvalidConnectionUrl(error.to_string())
            })?;
    config.ssl_mode(tokio_postgres::config::SslMode::Require);
    let (client, connection) = config
        .connect(MakeRustlsConnect::new(client_config))
        .await
        .map_err(|error| ConnectionError::BadConnection(with_causes(&error)))?;
    AsyncPgConnection::try_from_client_and_connection(client, connection).await
}

/// `error performing TLS handshake: invalid peer certificate: UnknownIssuer`: the driver's own
/// message leaves out the cause.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        text.push_str(": ");
        text.push_str(&next.to_string());
        cause = next.source();
    }
    text
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn tls_error(error: impl std::fmt::Display) -> ConnectionError {
    ConnectionError::BadConnection(format!("TLS set-up failed: {error}"))
}

fn verified(root_certificates: Option<&PathBuf>) -> diesel::ConnectionResult<ClientConfig> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = root_certificates {
        let pem = std::fs::read(path).map_err(|error| {
            tls_error(format!(
                "cannot read sslrootcert {}: {error}",
                path.display()
            ))
        })?;
        for certificate in rustls_pemfile::certs(&mut pem.as_slice()) {
            roots
                .add(certificate.map_err(tls_error)?)
                .map_err(tls_error)?;
        }
    }
    Ok(ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

fn encrypt_only() -> diesel::ConnectionResult<ClientConfig> {
    let provider = provider();
    Ok(ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
        .with_no_client_auth())
}

/// `sslmode=require`: any certificate is accepted, but the handshake signatures are still
/// checked, so the session is encrypted with the key of whoever presented the certificate.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            certificate,
            signature,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            certificate,
            signature,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_and_sslrootcert_are_taken_out_of_the_url() {
        let plain = PgConnectSettings::parse("postgres://u@h/db").unwrap();
        assert_eq!(plain.tls, PgTls::Disable);
        let required =
            PgConnectSettings::parse("postgres://u@h/db?sslmode=require&application_name=x")
                .unwrap();
        assert_eq!(required.tls, PgTls::Require);
        assert_eq!(required.driver_url, "postgres://u@h/db?application_name=x");
        let verified =
            PgConnectSettings::parse("postgres://u@h/db?sslmode=verify-full&sslrootcert=/ca.pem")
                .unwrap();
        assert_eq!(
            verified.tls,
            PgTls::VerifyFull {
                root_certificates: Some(PathBuf::from("/ca.pem"))
            }
        );
        assert_eq!(verified.driver_url, "postgres://u@h/db");
        assert!(
            PgConnectSettings::parse("postgres://u@h/db?sslmode=verify-ca")
                .unwrap_err()
                .contains("verify-ca")
        );
    }
}
