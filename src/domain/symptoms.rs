//! The symptom catalogue (clinical-rules.md, "Symptom catalogue"): codes,
//! groups, the labels the app shows in both languages, and severities on
//! the PRO-CTCAE scale 0..4.

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
    Neurological,
    General,
}

impl Group {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::SkinMucosal => "skin_mucosal",
            Self::Respiratory => "respiratory",
            Self::Circulatory => "circulatory",
            Self::Gastrointestinal => "gastrointestinal",
            Self::Autonomic => "autonomic",
            Self::Neuroglycopenic => "neuroglycopenic",
            Self::Neurological => "neurological",
            Self::General => "general",
        }
    }
}

macro_rules! catalogue {
    ($($variant:ident = $code:literal : $group:ident, $en:literal, $ja:literal;)*) => {
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

            /// The label the app shows in English.
            pub fn label_en(self) -> &'static str {
                match self { $(Symptom::$variant => $en),* }
            }

            /// The label the app shows in Japanese.
            pub fn label_ja(self) -> &'static str {
                match self { $(Symptom::$variant => $ja),* }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some(Symptom::$variant),)* _ => None }
            }
        }
    };
}

catalogue! {
    Redness = "redness": Local, "Redness", "赤み";
    Swelling = "swelling": Local, "Swelling", "腫れ";
    Itching = "itching": Local, "Itching", "かゆみ";
    Pain = "pain": Local, "Pain", "痛み";
    Bruising = "bruising": Local, "Bruising", "内出血";
    Numbness = "numbness": Local, "Numbness", "しびれ";
    Lump = "lump": Local, "Lump", "しこり";
    SkinDiscoloration = "skin_discoloration": Local,
        "Skin discoloration (pale, mottled or dark; an ordinary bruise is bruising)",
        "皮膚の変色（白っぽい・まだら・黒っぽい。ふつうのあざは「内出血」）";
    Blistering = "blistering": Local, "Blisters or broken skin", "水ぶくれ・ただれ";
    Discharge = "discharge": Local, "Pus or discharge", "膿・浸出液";
    Hives = "hives": SkinMucosal, "Hives (not where the injection was)", "じんましん（注射した所以外）";
    Flushing = "flushing": SkinMucosal,
        "Flushing or redness (not where the injection was)",
        "注射した所以外のほてり・赤み";
    LipTongueSwelling = "lip_tongue_swelling": SkinMucosal,
        "Lip or tongue swelling (not where the injection was)",
        "唇・舌の腫れ（注射した所以外）";
    ThroatTightness = "throat_tightness": Respiratory, "Throat tightness", "のどの締めつけ感";
    DifficultyBreathing = "difficulty_breathing": Respiratory, "Difficulty breathing", "息苦しさ";
    Dizziness = "dizziness": Circulatory, "Dizziness or feeling faint", "めまい・気が遠くなる感じ";
    Fainting = "fainting": Circulatory, "Fainted (lost consciousness)", "失神（気を失った）";
    Nausea = "nausea": Gastrointestinal, "Nausea", "吐き気";
    Vomiting = "vomiting": Gastrointestinal, "Vomiting", "嘔吐";
    AbdominalPain = "abdominal_pain": Gastrointestinal, "Abdominal pain", "腹痛";
    ColdSweat = "cold_sweat": Autonomic, "Cold sweat", "冷や汗";
    Tremor = "tremor": Autonomic, "Tremor", "震え";
    Palpitations = "palpitations": Autonomic, "Palpitations", "動悸";
    Hunger = "hunger": Autonomic, "Strong hunger", "強い空腹感";
    Confusion = "confusion": Neuroglycopenic,
        "Confusion or drowsiness (not fully alert)",
        "ぼんやりする・意識がはっきりしない";
    VisionChange = "vision_change": Neurological, "Change in vision", "見え方の異常";
    Fever = "fever": General, "Fever", "発熱";
    Chills = "chills": General, "Chills or shivering", "悪寒・震えるような寒気";
    Headache = "headache": General, "Headache", "頭痛";
    Fatigue = "fatigue": General, "Tiredness", "だるさ";
}

pub const SYMPTOM_COUNT: usize = 30;

impl fmt::Display for Symptom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The puncture-site symptoms, in catalogue order.
pub const LOCAL: [Symptom; 10] = [
    Symptom::Redness,
    Symptom::Swelling,
    Symptom::Itching,
    Symptom::Pain,
    Symptom::Bruising,
    Symptom::Numbness,
    Symptom::Lump,
    Symptom::SkinDiscoloration,
    Symptom::Blistering,
    Symptom::Discharge,
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

    /// Whether any puncture-site symptom is reported at 1 or more.
    pub fn any_local(&self) -> bool {
        LOCAL.iter().any(|s| self.get(*s) > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_has_30_codes_that_round_trip() {
        assert_eq!(Symptom::ALL.len(), SYMPTOM_COUNT);
        for (index, symptom) in Symptom::ALL.iter().enumerate() {
            assert_eq!(*symptom as usize, index);
            assert_eq!(Symptom::from_code(symptom.code()), Some(*symptom));
            assert!(!symptom.label_en().is_empty() && !symptom.label_ja().is_empty());
        }
        assert_eq!(Symptom::from_code("sneezing"), None);
        assert_eq!(Symptom::LipTongueSwelling.code(), "lip_tongue_swelling");
        assert_eq!(Symptom::Confusion.group(), Group::Neuroglycopenic);
        assert_eq!(Symptom::VisionChange.group(), Group::Neurological);
        assert_eq!(Symptom::Chills.group(), Group::General);
        assert!(LOCAL.iter().all(|s| s.group() == Group::Local));
        assert_eq!(
            Symptom::ALL
                .iter()
                .filter(|s| s.group() == Group::Local)
                .count(),
            LOCAL.len()
        );
        assert!(AUTONOMIC.iter().all(|s| s.group() == Group::Autonomic));
    }

    #[test]
    fn labels_tell_site_redness_from_flushing_and_a_bruise_from_discoloration() {
        assert_eq!(Symptom::Redness.label_ja(), "赤み");
        assert!(Symptom::Flushing
            .label_en()
            .contains("not where the injection was"));
        assert!(Symptom::Flushing.label_ja().contains("注射した所以外"));
        assert!(Symptom::Hives.label_ja().contains("注射した所以外"));
        assert!(Symptom::SkinDiscoloration
            .label_en()
            .contains("bruise is bruising"));
        assert!(Symptom::SkinDiscoloration.label_ja().contains("内出血"));
        assert_eq!(Symptom::Fainting.label_en(), "Fainted (lost consciousness)");
        assert_eq!(Symptom::Dizziness.label_en(), "Dizziness or feeling faint");
    }

    #[test]
    fn severities_default_to_zero_and_clamp() {
        let s = Severities::default().with(Symptom::Pain, 9);
        assert_eq!(s.get(Symptom::Pain), 4);
        assert_eq!(s.get(Symptom::Hives), 0);
        assert_eq!(s.present().collect::<Vec<_>>(), vec![(Symptom::Pain, 4)]);
        assert!(s.any_local());
        assert!(!Severities::default().with(Symptom::Fever, 2).any_local());
    }
}
