//! Accounts: roles, locales, and the rules a new email, password, display
//! name or time zone must meet.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

codes! {
    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Role {
        Patient => "patient",
        Caregiver => "caregiver",
        Physician => "physician",
        Nurse => "nurse",
        Admin => "admin",
    }
}

impl Role {
    /// Physicians and nurses: they see the patients of the care teams they
    /// are on, and act on their alerts.
    pub fn is_care_team(self) -> bool {
        matches!(self, Self::Physician | Self::Nurse)
    }

    /// Everyone who signs in to the dashboard.
    pub fn is_staff(self) -> bool {
        self.is_care_team() || self == Self::Admin
    }

    /// The roles an admin may give a new staff account.
    pub const STAFF: [Self; 3] = [Self::Physician, Self::Nurse, Self::Admin];
}

impl FromStr for Role {
    type Err = String;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::parse(raw).ok_or_else(|| format!("unknown role {raw:?}"))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Locale {
    Ja,
    En,
}

impl Locale {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ja => "ja",
            Self::En => "en",
        }
    }
}

impl FromStr for Locale {
    type Err = String;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw {
            "ja" => Ok(Self::Ja),
            "en" => Ok(Self::En),
            _ => Err("must be ja or en".to_owned()),
        }
    }
}

pub const PASSWORD_MIN_CHARS: usize = 10;
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const DISPLAY_NAME_MAX_CHARS: usize = 200;
pub const EMAIL_MAX_CHARS: usize = 254;

/// Trims and lower-cases an email address, or says why it is not one.
pub fn normalize_email(raw: &str) -> Result<String, String> {
    let email = raw.trim().to_lowercase();
    if email.chars().count() > EMAIL_MAX_CHARS {
        return Err(format!("must be at most {EMAIL_MAX_CHARS} characters"));
    }
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    if valid {
        Ok(email)
    } else {
        Err("must be an email address".to_owned())
    }
}

/// The least zxcvbn score a new password needs: 2 of 0..=4 keeps out the
/// common passwords, keyboard walks, repeats and sequences, and a password
/// built from the account's own email.
const PASSWORD_MIN_SCORE: zxcvbn::Score = zxcvbn::Score::Two;

/// Checks a new password: its length, and that it is not easy to guess
/// (`user_inputs`: the email and names of the account, which it must not
/// be made of).
pub fn check_password(password: &str, user_inputs: &[&str]) -> Result<(), String> {
    check_password_length(password)?;
    // An email's local part and its words count as well as the whole.
    let mut words: Vec<&str> = Vec::new();
    for input in user_inputs {
        let input = input.trim();
        words.push(input);
        if let Some((local, _)) = input.split_once('@') {
            words.push(local);
        }
        words.extend(
            input
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.len() > 2),
        );
    }
    if zxcvbn::zxcvbn(password, &words).score() < PASSWORD_MIN_SCORE {
        return Err(
            "is too easy to guess: use a few unrelated words or a longer phrase".to_owned(),
        );
    }
    Ok(())
}

/// The length a password may have, new or given at sign-in.
pub fn check_password_length(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if !(PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&chars) {
        return Err(format!(
            "must be {PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters"
        ));
    }
    Ok(())
}

/// Trims a display name and checks it is 1..=200 printable characters.
pub fn normalize_display_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > DISPLAY_NAME_MAX_CHARS {
        return Err(format!("must be 1 to {DISPLAY_NAME_MAX_CHARS} characters"));
    }
    if name.chars().any(char::is_control) {
        return Err("must not contain control characters".to_owned());
    }
    Ok(name.to_owned())
}

/// Checks an IANA time zone name, as in `Asia/Tokyo`.
pub fn check_timezone(raw: &str) -> Result<chrono_tz::Tz, String> {
    raw.parse::<chrono_tz::Tz>()
        .map_err(|_| "must be an IANA time zone such as Asia/Tokyo".to_owned())
}

/// Birth years from 1900 to the current year.
pub fn check_birth_year(year: i32, current_year: i32) -> Result<i32, String> {
    if (1900..=current_year).contains(&year) {
        Ok(year)
    } else {
        Err(format!("must be between 1900 and {current_year}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_or_refused() {
        assert_eq!(
            normalize_email("  Dr.Sato@Clinic.JP ").unwrap(),
            "dr.sato@clinic.jp"
        );
        for bad in [
            "",
            "no-at",
            "@clinic.jp",
            "a@",
            "a@b",
            "a b@c.jp",
            "a@@c.jp",
            "a@.jp",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad:?}");
        }
        assert!(normalize_email(&format!("{}@c.jp", "a".repeat(250))).is_err());
    }

    #[test]
    fn passwords_are_ten_to_128_characters() {
        assert!(check_password_length(&"a".repeat(9)).is_err());
        assert!(check_password_length(&"a".repeat(10)).is_ok());
        assert!(check_password_length(&"あ".repeat(128)).is_ok());
        assert!(check_password_length(&"a".repeat(129)).is_err());
        assert!(check_password("a long enough password", &[]).is_ok());
        assert!(check_password("バラの花が咲く春の庭で", &[]).is_ok());
    }

    #[test]
    fn easy_passwords_are_refused() {
        for easy in [
            "aaaaaaaaaa",
            "password123",
            "qwertyuiop",
            "1234567890",
            "abcdefghij",
            "iloveyou12",
        ] {
            assert!(check_password(easy, &[]).is_err(), "{easy}");
        }
        // Made of the account's own email.
        assert!(check_password("yui.tanaka2026", &["yui.tanaka2026@example.jp"]).is_err());
    }

    #[test]
    fn display_names_timezones_and_years() {
        assert_eq!(
            normalize_display_name("  Sato Hanako ").unwrap(),
            "Sato Hanako"
        );
        assert!(normalize_display_name("   ").is_err());
        assert!(normalize_display_name("a\u{0}b").is_err());
        assert!(normalize_display_name(&"x".repeat(201)).is_err());
        assert!(check_timezone("Asia/Tokyo").is_ok());
        assert!(check_timezone("Mars/Olympus").is_err());
        assert!(check_birth_year(1899, 2026).is_err());
        assert!(check_birth_year(2026, 2026).is_ok());
        assert!(check_birth_year(2027, 2026).is_err());
        assert_eq!("physician".parse::<Role>().unwrap(), Role::Physician);
        assert!("doctor".parse::<Role>().is_err());
        assert_eq!("ja".parse::<Locale>().unwrap(), Locale::Ja);
    }
}
