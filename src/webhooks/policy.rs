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

/// An address no webhook may reach without `allow_private`: everything
/// the IANA special-purpose registries do not mark globally reachable, and
/// every IPv6 form that carries an IPv4 address, judged by that address.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => is_internal_v6(v6),
    }
}

fn is_internal_v4(v4: Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    v4.is_private()
        || v4.is_loopback()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.is_documentation()
        || a == 0 // "this network" 0/8
        || (a == 100 && (64..128).contains(&b)) // shared address space 100.64/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments 192.0.0/24
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast 192.88.99/24
        || (a == 198 && (18..20).contains(&b)) // benchmarking 198.18/15
        || a >= 240 // reserved 240/4
}

/// The IPv4 address an IPv6 address stands for or tunnels to, where the
/// form says so: IPv4-mapped ::ffff:0:0/96, IPv4-compatible ::/96,
/// IPv4-translated ::ffff:0:0:0/96, NAT64 64:ff9b::/96 and 6to4 2002::/16.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let o = v6.octets();
    let low = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(low),
        [0, 0, 0, 0, 0, 0, _, _] => Some(low),
        [0, 0, 0, 0, 0xffff, 0, _, _] => Some(low),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low),
        [0x2002, ..] => Some(Ipv4Addr::new(o[2], o[3], o[4], o[5])),
        _ => None,
    }
}

fn is_internal_v6(v6: Ipv6Addr) -> bool {
    let s = v6.segments();
    if v6.is_loopback() || v6.is_unspecified() {
        return true;
    }
    if let Some(v4) = embedded_v4(v6) {
        return is_internal_v4(v4);
    }
    // Teredo 2001::/32: the server's address, and the client's (stored
    // inverted); either may be inside.
    if s[0] == 0x2001 && s[1] == 0 {
        let o = v6.octets();
        let server = Ipv4Addr::new(o[4], o[5], o[6], o[7]);
        let client = Ipv4Addr::new(!o[12], !o[13], !o[14], !o[15]);
        return is_internal_v4(server) || is_internal_v4(client);
    }
    let in_prefix = |prefix: [u16; 8], bits: u32| {
        let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
        (u128::from(v6) & mask) == (u128::from(Ipv6Addr::from(prefix)) & mask)
    };
    // Globally reachable exceptions inside 2001::/23.
    let global_in_ietf = [
        ([0x2001, 1, 0, 0, 0, 0, 0, 1], 128),    // PCP anycast
        ([0x2001, 1, 0, 0, 0, 0, 0, 2], 128),    // TURN anycast
        ([0x2001, 3, 0, 0, 0, 0, 0, 0], 32),     // AMT
        ([0x2001, 4, 0x112, 0, 0, 0, 0, 0], 48), // AS112-v6
        ([0x2001, 0x20, 0, 0, 0, 0, 0, 0], 28),  // ORCHIDv2
        ([0x2001, 0x30, 0, 0, 0, 0, 0, 0], 28),  // drone remote ID
    ];
    if in_prefix([0x2001, 0, 0, 0, 0, 0, 0, 0], 23) {
        return !global_in_ietf
            .iter()
            .any(|(prefix, bits)| in_prefix(*prefix, *bits));
    }
    // Outside global unicast 2000::/3 nothing is reachable (unique local
    // fc00::/7, link-local fe80::/10, site-local fec0::/10, multicast
    // ff00::/8, discard 100::/64, local-use NAT64 64:ff9b:1::/48 ...).
    !in_prefix([0x2000, 0, 0, 0, 0, 0, 0, 0], 3)
        || in_prefix([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32) // documentation
        || in_prefix([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20) // documentation
        || in_prefix([0x5f00, 0, 0, 0, 0, 0, 0, 0], 16) // SRv6 SIDs
}

impl Policy {
    /// The policy the settings give every outbound URL (webhook receivers,
    /// push endpoints).
    pub fn of(settings: &crate::config::Settings) -> Self {
        Policy {
            allow_http: settings.webhook_allow_http,
            allow_private: settings.webhook_allow_private,
        }
    }

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

impl Policy {
    /// An HTTP client for receivers this policy checks: every address it
    /// connects to passes the policy, redirects are not followed, and no
    /// proxy (which would resolve names out of the policy's sight).
    pub fn client(
        self,
        timeout: std::time::Duration,
        agent: &str,
    ) -> reqwest::Result<reqwest::Client> {
        reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(std::sync::Arc::new(CheckedResolver(self)))
            .user_agent(agent)
            .build()
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

/// The IANA IPv4 and IPv6 special-purpose address registries, entry by
/// entry (an address inside, and for the narrow ones the neighbours just
/// outside), and the IPv6 forms that carry an IPv4 address: whether each
/// is internal. Every outbound URL check is tested against it.
#[cfg(test)]
#[rustfmt::skip]
pub const SPECIAL_PURPOSE: &[(&str, bool)] = &[
    // IPv4 registry
    ("0.0.0.0", true), ("0.1.2.3", true),                    // 0/8
    ("10.0.0.1", true), ("10.255.255.255", true),            // 10/8
    ("100.64.0.1", true), ("100.127.255.255", true),         // 100.64/10
    ("100.63.255.255", false), ("100.128.0.0", false),
    ("127.0.0.1", true), ("127.255.255.254", true),          // 127/8
    ("169.254.169.254", true),                               // 169.254/16
    ("172.16.0.1", true), ("172.31.255.255", true),          // 172.16/12
    ("172.15.255.255", false), ("172.32.0.0", false),
    ("192.0.0.8", true),                                     // 192.0.0/24
    ("192.0.2.1", true),                                     // TEST-NET-1
    ("192.88.99.1", true),                                   // 6to4 relay
    ("192.168.1.1", true),                                   // 192.168/16
    ("198.18.0.1", true), ("198.19.255.255", true),          // 198.18/15
    ("198.17.255.255", false), ("198.20.0.0", false),
    ("198.51.100.7", true), ("203.0.113.9", true),           // TEST-NET-2, -3
    ("224.0.0.1", true), ("240.0.0.1", true), ("255.255.255.255", true),
    ("93.184.216.34", false), ("8.8.8.8", false), ("1.1.1.1", false),
    // IPv6 registry
    ("::1", true), ("::", true),
    ("::ffff:127.0.0.1", true), ("::ffff:10.0.0.1", true), ("::ffff:8.8.8.8", false),
    ("::127.0.0.1", true), ("::8.8.8.8", false),             // IPv4-compatible
    ("::ffff:0:7f00:1", true), ("::ffff:0:808:808", false),  // IPv4-translated
    ("64:ff9b::7f00:1", true), ("64:ff9b::a9fe:a9fe", true), // NAT64 /96
    ("64:ff9b::a00:1", true), ("64:ff9b::808:808", false),
    ("64:ff9b:1::1", true), ("64:ff9b:1:ffff::8.8.8.8", true), // local-use NAT64 /48
    ("100::1", true),                                        // discard-only
    ("2001::1", true),                                       // Teredo, server 0.0.0.0
    ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", false),         // Teredo, both public
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", true),          // Teredo client 192.0.2.45
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", true),          // Teredo client 127.0.0.1
    ("2001:0:a00:1::", true),                                // Teredo server 10.0.0.1
    ("2001:2::1", true),                                     // benchmarking
    ("2001:10::1", true),                                    // ORCHID (deprecated)
    ("2001:1::1", false), ("2001:1::2", false), ("2001:1::3", true),
    ("2001:3::1", false), ("2001:4:112::1", false),
    ("2001:20::1", false), ("2001:30::1", false),
    ("2001:db8::1", true), ("3fff::1", true),                // documentation
    ("2002:7f00:1::", true), ("2002:a9fe:a9fe::1", true),    // 6to4
    ("2002:808:808::1", false),
    ("2620:4f:8000::1", false),                              // AS112 delegation
    ("5f00::1", true),                                       // SRv6
    ("fc00::1", true), ("fd00::1", true),                    // unique local
    ("fe80::1", true), ("febf::1", true), ("fec0::1", true), // link-, site-local
    ("ff02::1", true),                                       // multicast
    ("2606:4700:4700::1111", false), ("2a00:1450:4001::1", false),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_follows_the_special_purpose_registries() {
        for (raw, internal) in SPECIAL_PURPOSE {
            let ip: IpAddr = raw.parse().unwrap();
            assert_eq!(is_internal(ip), *internal, "{raw}");
        }
    }

    #[test]
    fn the_reviewed_ipv6_forms_are_refused_as_urls() {
        let strict = Policy::default();
        for url in [
            "https://[::127.0.0.1]/",
            "https://[64:ff9b::7f00:1]/",
            "https://[64:ff9b::a9fe:a9fe]/",
            "https://[2002:7f00:1::]/",
            "https://[::ffff:0:7f00:1]/",
        ] {
            assert!(strict.check_form(url).is_err(), "{url}");
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
