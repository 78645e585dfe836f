//! Who is asking: the client address that per-address limits count against. It is the TCP peer,
//! unless the peer is a configured trusted proxy (`TRUSTED_PROXIES`): then it is read from
//! `X-Forwarded-For`, from the right, skipping trusted proxies, and the first address that is not
//! one is the client. Entries left of it were written by the client and are not believed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap};

pub use crate::config::rate_limits::TrustedProxies;

impl TrustedProxies {
    /// Whether `address` is one of the trusted proxies.
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|network| network.contains(&address))
    }
}

/// A request's client address, or `None` for a request that came with no connection (only the
/// in-process router of the tests); such requests count as one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub Option<IpAddr>);

impl ClientAddress {
    /// The client of a request with these extensions (where the server puts the peer as
    /// `ConnectInfo<SocketAddr>`) and headers.
    pub fn of_request(
        extensions: &Extensions,
        headers: &HeaderMap,
        trusted: &TrustedProxies,
    ) -> Self {
        let peer = extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.ip());
        ClientAddress(peer.map(|peer| client_address(peer, headers, trusted)))
    }

    /// The key a per-address budget is kept under: the address itself for IPv4, its /64 network
    /// for IPv6 (one subscriber usually holds a whole /64, so single IPv6 addresses cost an
    /// attacker nothing).
    pub fn limit_key(self) -> IpAddr {
        match self.0.map(canonical) {
            None => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            Some(IpAddr::V4(address)) => IpAddr::V4(address),
            Some(IpAddr::V6(address)) => {
                let network = u128::from(address) & !((1u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(network))
            }
        }
    }
}

/// The right-most address of `peer` and the `X-Forwarded-For` chain that is not a trusted proxy.
/// With an untrusted peer, the header is ignored. If every hop is trusted, the left-most is the
/// client; an entry that is not an address ends the walk at the last trusted hop before it.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let mut client = canonical(peer);
    if !trusted.contains(client) {
        return client;
    }
    // Several X-Forwarded-For headers are one list, in order.
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    for hop in hops.iter().rev() {
        let Ok(address) = IpAddr::from_str(hop.trim()) else {
            break;
        };
        client = canonical(address);
        if !trusted.contains(client) {
            break;
        }
    }
    client
}

/// IPv4 addresses that arrive IPv4-mapped on a dual-stack socket (`::ffff:1.2.3.4`) as IPv4.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", value.parse().unwrap());
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_peer() {
        let trusted = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8").unwrap();
        let headers = forwarded(&["203.0.113.7"]);
        assert_eq!(
            client_address(ip("10.1.2.3"), &headers, &trusted),
            ip("203.0.113.7")
        );
        assert_eq!(
            client_address(ip("192.0.2.1"), &headers, &trusted),
            ip("192.0.2.1")
        );
        let nobody = TrustedProxies::default();
        assert_eq!(
            client_address(ip("127.0.0.1"), &headers, &nobody),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let trusted = TrustedProxies::parse("10.0.0.0/8").unwrap();
        // The client wrote "1.1.1.1" itself; the trusted proxies appended the rest.
        let headers = forwarded(&["1.1.1.1, 198.51.100.9", "10.0.0.5"]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &headers, &trusted),
            ip("198.51.100.9")
        );
        // Every hop trusted: the left-most.
        let headers = forwarded(&["10.9.9.9, 10.0.0.5"]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &headers, &trusted),
            ip("10.9.9.9")
        );
        // Garbage after trusted hops: the last trusted hop that reported it.
        let headers = forwarded(&["1.1.1.1, not-an-address, 10.0.0.5"]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &headers, &trusted),
            ip("10.0.0.5")
        );
        // No header: the peer.
        assert_eq!(
            client_address(ip("10.0.0.2"), &HeaderMap::new(), &trusted),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn lists_parse_addresses_and_networks_and_refuse_the_rest() {
        let trusted = TrustedProxies::parse(" 127.0.0.1 ,::1, 10.0.0.0/8,fd00::/8 ,").unwrap();
        for address in [
            "127.0.0.1",
            "::1",
            "10.200.0.1",
            "fd12::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(trusted.contains(ip(address)), "{address}");
        }
        for address in ["127.0.0.2", "11.0.0.1", "fe80::1"] {
            assert!(!trusted.contains(ip(address)), "{address}");
        }
        assert_eq!(
            TrustedProxies::parse("").unwrap(),
            TrustedProxies::default()
        );
        let error = TrustedProxies::parse("10.0.0.0/33").unwrap_err();
        assert!(error.contains("10.0.0.0/33"), "{error}");
        assert!(TrustedProxies::parse("localhost").is_err());
    }

    #[test]
    fn ipv6_clients_share_a_budget_per_64() {
        let a = ClientAddress(Some(ip("2001:db8:1:2:aaaa::1"))).limit_key();
        let b = ClientAddress(Some(ip("2001:db8:1:2:bbbb::2"))).limit_key();
        let other = ClientAddress(Some(ip("2001:db8:1:3::1"))).limit_key();
        assert_eq!(a, b);
        assert_ne!(a, other);
        let mapped = ClientAddress(Some(ip("::ffff:192.0.2.1"))).limit_key();
        assert_eq!(mapped, ip("192.0.2.1"));
    }
}
