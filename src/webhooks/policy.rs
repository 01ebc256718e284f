//! Where webhooks may go: `https` only, and never to loopback, private,
//! link-local or other internal addresses, unless the operator's two
//! settings allow them. Host names are resolved and every address checked
//! when an endpoint is saved, and again, by the client's own resolver, each
//! time a delivery connects: a name that later resolves inward (DNS
//! rebinding) is refused at send time.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

#[derive(Clone, Copy, Debug, Default)]
pub struct Policy {
    pub allow_http: bool,
    pub allow_private: bool,
}

/// An address no webhook may reach without `allow_private`.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_internal_v4(v4),
            None => {
                let first = v6.segments()[0];
                v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
                    || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
                    || (first & 0xffc0) == 0xfec0 // site-local fec0::/10
                    || v6 == Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0) // NAT64 prefix base
            }
        },
    }
}

fn is_internal_v4(v4: Ipv4Addr) -> bool {
    let [a, b, ..] = v4.octets();
    v4.is_private()
        || v4.is_loopback()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT 100.64/10
        || (a == 192 && b == 0) // IETF protocol assignments 192.0.0/24 and 192.0.2/24
        || (a == 198 && (18..20).contains(&b)) // benchmarking 198.18/15
        || a >= 240 // reserved
}

impl Policy {
    pub fn allows_address(&self, ip: IpAddr) -> bool {
        self.allow_private || !is_internal(ip)
    }

    /// Checks the URL's form; returns it parsed, or why it is refused.
    pub fn check_form(&self, raw: &str) -> Result<Url, String> {
        let url = Url::parse(raw).map_err(|e| format!("not a URL: {e}"))?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            "http" => return Err("only https receivers are allowed".into()),
            other => return Err(format!("the {other} scheme is not allowed")),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("credentials in the URL are not allowed; use the signature".into());
        }
        if url.fragment().is_some() {
            return Err("a fragment is not allowed".into());
        }
        match url.host() {
            None => Err("the URL has no host".into()),
            Some(Host::Ipv4(ip)) if !self.allows_address(IpAddr::V4(ip)) => {
                Err("the address is internal (loopback, private or link-local)".into())
            }
            Some(Host::Ipv6(ip)) if !self.allows_address(IpAddr::V6(ip)) => {
                Err("the address is internal (loopback, private or link-local)".into())
            }
            Some(_) => Ok(url),
        }
    }

    /// Checks the form, then resolves the host and checks every address.
    pub async fn check(&self, raw: &str) -> Result<Url, String> {
        let url = self.check_form(raw)?;
        if let Some(Host::Domain(name)) = url.host() {
            let port = url.port_or_known_default().unwrap_or(443);
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((name, port))
                .await
                .map_err(|_| format!("the host {name} does not resolve"))?
                .collect();
            if addresses.is_empty() {
                return Err(format!("the host {name} does not resolve"));
            }
            if addresses.iter().any(|a| !self.allows_address(a.ip())) {
                return Err(format!("the host {name} resolves to an internal address"));
            }
        }
        Ok(url)
    }
}

/// The delivery client's resolver: the addresses it connects to are the
/// ones it has just checked.
pub struct CheckedResolver(pub Policy);

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.0;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addresses: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if addresses.is_empty() || addresses.iter().any(|a| !policy.allows_address(a.ip())) {
                return Err(format!("{host} resolves to an address webhooks may not reach").into());
            }
            let addrs: Addrs = Box::new(addresses.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_recognised() {
        for raw in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_internal(raw.parse().unwrap()), "{raw}");
        }
        for raw in ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"] {
            assert!(!is_internal(raw.parse().unwrap()), "{raw}");
        }
    }

    #[test]
    fn the_form_is_checked_before_any_lookup() {
        let strict = Policy::default();
        assert!(strict
            .check_form("https://hooks.example.com/aftercare")
            .is_ok());
        assert!(strict.check_form("http://hooks.example.com/").is_err());
        assert!(strict.check_form("ftp://hooks.example.com/").is_err());
        assert!(strict.check_form("https://127.0.0.1/").is_err());
        assert!(strict.check_form("https://[::1]:8443/").is_err());
        assert!(strict
            .check_form("https://user:pw@hooks.example.com/")
            .is_err());
        assert!(strict.check_form("not a url").is_err());
        let open = Policy {
            allow_http: true,
            allow_private: true,
        };
        assert!(open.check_form("http://127.0.0.1:9000/hook").is_ok());
    }

    #[actix_web::test]
    async fn names_that_resolve_inward_are_refused() {
        let strict = Policy::default();
        assert!(strict.check("https://localhost/hook").await.is_err());
        let open = Policy {
            allow_http: true,
            allow_private: true,
        };
        assert!(open.check("http://localhost:9000/hook").await.is_ok());
    }
}
