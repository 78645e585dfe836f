//! The rate limits' settings (`CREDENTIAL_ATTEMPTS_PER_*`, `WRITES_PER_USER`,
//! `TRUSTED_PROXIES`), which `rate_limit` enforces (and re-exports).

use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;

/// The limits' settings (see [`Config`](super::Config)): events per minute per key, 0 for no limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitSettings {
    /// Logins and registrations per client address (`CREDENTIAL_ATTEMPTS_PER_ADDRESS`).
    pub credential_attempts_per_address: u32,
    /// Logins and registrations per account, i.e. per (normalised) email
    /// (`CREDENTIAL_ATTEMPTS_PER_ACCOUNT`).
    pub credential_attempts_per_account: u32,
    /// Articles and comments one user may create (`WRITES_PER_USER`).
    pub writes_per_user: u32,
    /// Images one user may upload (`UPLOADS_PER_MINUTE`).
    pub uploads_per_user: u32,
    /// Peers allowed to name the client in `X-Forwarded-For` (`TRUSTED_PROXIES`).
    pub trusted_proxies: TrustedProxies,
}

impl RateLimitSettings {
    /// Every limit off (the in-process tests, which register many users from one "address").
    pub fn off() -> Self {
        RateLimitSettings {
            credential_attempts_per_address: 0,
            credential_attempts_per_account: 0,
            writes_per_user: 0,
            uploads_per_user: 0,
            trusted_proxies: TrustedProxies::default(),
        }
    }
}

/// The networks whose connections may speak for a client through `X-Forwarded-For`, e.g.
/// `127.0.0.1,10.0.0.0/8,fd00::/8`. Empty by default: the header is then never read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(pub(crate) Vec<IpNet>);

impl TrustedProxies {
    /// Reads a comma-separated list of addresses (`10.1.2.3`, `::1`) and networks in CIDR form
    /// (`10.0.0.0/8`); spaces around entries are ignored, an empty list trusts nobody.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                IpNet::from_str(entry)
                    .or_else(|_| IpAddr::from_str(entry).map(IpNet::from))
                    .map_err(|_| {
                        format!(
                            "{entry:?} is not an IP address or network; expected e.g. \
                             127.0.0.1,10.0.0.0/8,::1"
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }
}
