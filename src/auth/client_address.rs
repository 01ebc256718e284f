//! The client's address, for throttling and logs: the socket peer, unless
//! the peer is one of `AFTERCARE_TRUSTED_PROXIES`; then the right-most
//! address of `X-Forwarded-For` that is not a trusted proxy (the left-most
//! entry if every entry is trusted). A client can put anything at the left
//! of the header; only what the trusted proxies appended counts.

use std::net::IpAddr;

use actix_web::http::header::HeaderMap;
use ipnet::IpNet;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Comma-separated addresses or CIDR ranges.
    pub fn parse(raw: &str) -> Result<Self, String> {
        raw.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| {
                part.parse::<IpNet>()
                    .or_else(|_| part.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{part} is not an address or a CIDR range"))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client's address given the socket peer and the request headers.
    pub fn client_address(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer.map(canonical)?;
        if !self.trusts(peer) {
            return Some(peer);
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|entry| entry.trim().parse::<IpAddr>().map(canonical))
            // An entry that is not an address ends what can be believed:
            // everything left of it is the client's own say.
            .rev()
            .map_while(Result::ok)
            .collect();
        Some(
            forwarded
                .iter()
                .copied()
                .find(|address| !self.trusts(*address))
                .or_else(|| forwarded.last().copied())
                .unwrap_or(peer),
        )
    }
}

/// An IPv4 peer seen through a dual-stack socket is the IPv4 address.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(
                HeaderName::from_static("x-forwarded-for"),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client_address(Some(ip("203.0.113.9")), &headers(&["198.51.100.1"])),
            Some(ip("203.0.113.9"))
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_right_most_untrusted_entry_counts() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7").unwrap();
        let peer = Some(ip("10.1.2.3"));
        // The client wrote 1.1.1.1 itself; the proxy appended its peer.
        assert_eq!(
            proxies.client_address(peer, &headers(&["1.1.1.1, 203.0.113.5, 10.9.9.9"])),
            Some(ip("203.0.113.5"))
        );
        // Two header lines read as one list.
        assert_eq!(
            proxies.client_address(peer, &headers(&["1.1.1.1", "203.0.113.5"])),
            Some(ip("203.0.113.5"))
        );
        // Every entry trusted: the left-most.
        assert_eq!(
            proxies.client_address(peer, &headers(&["10.0.0.1, 192.0.2.7"])),
            Some(ip("10.0.0.1"))
        );
        // No header: the proxy itself.
        assert_eq!(proxies.client_address(peer, &headers(&[])), peer);
        // Garbage stops the walk: what is left of it is not believed.
        assert_eq!(
            proxies.client_address(peer, &headers(&["203.0.113.1, junk, 10.0.0.2"])),
            Some(ip("10.0.0.2"))
        );
        // A peer that is not trusted is the client, whatever it forwards.
        assert_eq!(
            proxies.client_address(Some(ip("198.51.100.4")), &headers(&["203.0.113.5"])),
            Some(ip("198.51.100.4"))
        );
        // An IPv4-mapped peer is its IPv4 address.
        assert_eq!(
            proxies.client_address(Some(ip("::ffff:10.0.0.3")), &headers(&["203.0.113.8"])),
            Some(ip("203.0.113.8"))
        );
    }

    #[test]
    fn the_setting_names_what_it_cannot_read() {
        assert_eq!(
            TrustedProxies::parse("10.0.0.0/8,fd00::/8,127.0.0.1")
                .unwrap()
                .0
                .len(),
            3
        );
        assert!(TrustedProxies::parse("10.0.0.0/33")
            .unwrap_err()
            .contains("10.0.0.0/33"));
        assert_eq!(
            TrustedProxies::parse("").unwrap(),
            TrustedProxies::default()
        );
    }
}
