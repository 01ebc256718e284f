//! What a treatment is: how it was given and where.

use crate::domain::triage::{Route, TreatmentFacts};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Injection,
    IvDrip,
    IvPush,
}

impl Kind {
    pub const ALL: [Self; 3] = [Self::Injection, Self::IvDrip, Self::IvPush];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Injection => "injection",
            Self::IvDrip => "iv_drip",
            Self::IvPush => "iv_push",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

pub const SITES: [&str; 6] = ["face", "scalp", "neck", "decollete", "hands", "body"];

/// The range a baseline systolic blood pressure may take (mmHg).
pub const BASELINE_SYSTOLIC_BP: std::ops::RangeInclusive<i64> = 40..=250;

/// What the triage rules need of a treatment: its route, whether the face
/// or scalp was injected, and the blood pressure measured at the visit.
pub fn facts(kind: Kind, sites: &[String], baseline_systolic_bp: Option<i32>) -> TreatmentFacts {
    TreatmentFacts {
        route: match kind {
            Kind::Injection => Route::Injection,
            Kind::IvDrip | Kind::IvPush => Route::Intravenous,
        },
        face_or_scalp: sites.iter().any(|s| s == "face" || s == "scalp"),
        baseline_systolic_bp: baseline_systolic_bp.map(f64::from),
    }
}

/// Checks injection sites: known codes, no repeats, at least one for an
/// injection. Returns the sites in the order given.
pub fn check_sites(kind: Option<Kind>, sites: &[String]) -> Result<Vec<String>, String> {
    if let Some(unknown) = sites.iter().find(|s| !SITES.contains(&s.as_str())) {
        return Err(format!(
            "unknown site {unknown:?}; sites are {}",
            SITES.join(", ")
        ));
    }
    for (index, site) in sites.iter().enumerate() {
        if sites[..index].contains(site) {
            return Err(format!("site {site:?} is listed twice"));
        }
    }
    if kind == Some(Kind::Injection) && sites.is_empty() {
        return Err("an injection needs at least one site".to_owned());
    }
    Ok(sites.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_are_checked_against_the_kind() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert!(check_sites(Some(Kind::Injection), &[]).is_err());
        assert!(check_sites(Some(Kind::IvDrip), &[]).is_ok());
        assert_eq!(
            check_sites(Some(Kind::Injection), &s(&["face", "scalp"])).unwrap(),
            s(&["face", "scalp"])
        );
        assert!(check_sites(Some(Kind::Injection), &s(&["face", "face"])).is_err());
        assert!(check_sites(Some(Kind::Injection), &s(&["elbow"])).is_err());
        assert_eq!(Kind::parse("iv_push"), Some(Kind::IvPush));
        assert_eq!(Kind::parse("oral"), None);
    }
}
