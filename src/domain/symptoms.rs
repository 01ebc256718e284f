//! The symptom catalogue (clinical-rules.md, "Symptom catalogue"): codes,
//! groups, and severities on the PRO-CTCAE scale 0..4.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    Local,
    SkinMucosal,
    Respiratory,
    Circulatory,
    Gastrointestinal,
    Autonomic,
    Neuroglycopenic,
    General,
}

macro_rules! catalogue {
    ($($variant:ident = $code:literal : $group:ident),* $(,)?) => {
        /// A symptom the app can report.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Symptom { $($variant),* }

        impl Symptom {
            pub const ALL: &'static [Symptom] = &[$(Symptom::$variant),*];

            pub fn code(self) -> &'static str {
                match self { $(Symptom::$variant => $code),* }
            }

            pub fn group(self) -> Group {
                match self { $(Symptom::$variant => Group::$group),* }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some(Symptom::$variant),)* _ => None }
            }
        }
    };
}

catalogue! {
    Redness = "redness": Local,
    Swelling = "swelling": Local,
    Itching = "itching": Local,
    Pain = "pain": Local,
    Bruising = "bruising": Local,
    Numbness = "numbness": Local,
    Hives = "hives": SkinMucosal,
    Flushing = "flushing": SkinMucosal,
    LipTongueSwelling = "lip_tongue_swelling": SkinMucosal,
    ThroatTightness = "throat_tightness": Respiratory,
    DifficultyBreathing = "difficulty_breathing": Respiratory,
    Dizziness = "dizziness": Circulatory,
    Fainting = "fainting": Circulatory,
    Nausea = "nausea": Gastrointestinal,
    Vomiting = "vomiting": Gastrointestinal,
    AbdominalPain = "abdominal_pain": Gastrointestinal,
    ColdSweat = "cold_sweat": Autonomic,
    Tremor = "tremor": Autonomic,
    Palpitations = "palpitations": Autonomic,
    Hunger = "hunger": Autonomic,
    Confusion = "confusion": Neuroglycopenic,
    Fever = "fever": General,
    Headache = "headache": General,
    Fatigue = "fatigue": General,
}

pub const SYMPTOM_COUNT: usize = 24;

impl fmt::Display for Symptom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

pub const LOCAL: [Symptom; 6] = [
    Symptom::Redness,
    Symptom::Swelling,
    Symptom::Itching,
    Symptom::Pain,
    Symptom::Bruising,
    Symptom::Numbness,
];

pub const AUTONOMIC: [Symptom; 4] = [
    Symptom::ColdSweat,
    Symptom::Tremor,
    Symptom::Palpitations,
    Symptom::Hunger,
];

pub const MAX_SEVERITY: u8 = 4;

/// One severity per symptom; a symptom left out is 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Severities([u8; SYMPTOM_COUNT]);

impl Severities {
    pub fn get(&self, symptom: Symptom) -> u8 {
        self.0[symptom as usize]
    }

    /// Sets a severity, clamped to the scale (callers validate first).
    pub fn set(&mut self, symptom: Symptom, severity: u8) {
        self.0[symptom as usize] = severity.min(MAX_SEVERITY);
    }

    pub fn with(mut self, symptom: Symptom, severity: u8) -> Self {
        self.set(symptom, severity);
        self
    }

    /// Symptoms reported at 1 or more, in catalogue order.
    pub fn present(&self) -> impl Iterator<Item = (Symptom, u8)> + '_ {
        Symptom::ALL
            .iter()
            .map(|s| (*s, self.get(*s)))
            .filter(|(_, severity)| *severity > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_has_24_codes_that_round_trip() {
        assert_eq!(Symptom::ALL.len(), SYMPTOM_COUNT);
        for (index, symptom) in Symptom::ALL.iter().enumerate() {
            assert_eq!(*symptom as usize, index);
            assert_eq!(Symptom::from_code(symptom.code()), Some(*symptom));
        }
        assert_eq!(Symptom::from_code("sneezing"), None);
        assert_eq!(Symptom::LipTongueSwelling.code(), "lip_tongue_swelling");
        assert_eq!(Symptom::Confusion.group(), Group::Neuroglycopenic);
        assert!(LOCAL.iter().all(|s| s.group() == Group::Local));
        assert!(AUTONOMIC.iter().all(|s| s.group() == Group::Autonomic));
    }

    #[test]
    fn severities_default_to_zero_and_clamp() {
        let s = Severities::default().with(Symptom::Pain, 9);
        assert_eq!(s.get(Symptom::Pain), 4);
        assert_eq!(s.get(Symptom::Hives), 0);
        assert_eq!(s.present().collect::<Vec<_>>(), vec![(Symptom::Pain, 4)]);
    }
}
