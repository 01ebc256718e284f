//! Contraindication screening before a treatment (the clinic's leaflet):
//! cancer treatment, pregnancy and breastfeeding contraindicate; planning a
//! pregnancy needs a consultation first.

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Screening {
    pub cancer_treatment: bool,
    pub pregnant: bool,
    pub breastfeeding: bool,
    pub planning_pregnancy: bool,
}

impl Screening {
    /// The codes of every contraindication present.
    pub fn contraindications(&self) -> Vec<&'static str> {
        [
            (self.cancer_treatment, "cancer_treatment"),
            (self.pregnant, "pregnant"),
            (self.breastfeeding, "breastfeeding"),
        ]
        .into_iter()
        .filter_map(|(present, code)| present.then_some(code))
        .collect()
    }

    /// Warning codes the treatment record carries.
    pub fn warnings(&self, overridden: bool) -> Vec<&'static str> {
        let mut warnings = Vec::new();
        if self.planning_pregnancy {
            warnings.push("consult_before_pregnancy");
        }
        if overridden && !self.contraindications().is_empty() {
            warnings.push("contraindication_overridden");
        }
        warnings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contraindications_and_warnings() {
        assert!(Screening::default().contraindications().is_empty());
        let s = Screening {
            pregnant: true,
            cancer_treatment: true,
            ..Screening::default()
        };
        assert_eq!(s.contraindications(), vec!["cancer_treatment", "pregnant"]);
        assert_eq!(s.warnings(true), vec!["contraindication_overridden"]);
        let planning = Screening {
            planning_pregnancy: true,
            ..Screening::default()
        };
        assert!(planning.contraindications().is_empty());
        assert_eq!(planning.warnings(false), vec!["consult_before_pregnancy"]);
    }
}
