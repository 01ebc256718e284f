//! What clients see of users and patients.

use chrono::{DateTime, Utc};

use crate::clock::utc;
use crate::domain::accounts::Role;
use serde::Serialize;

use crate::db::{patients::Patient, users::User};

#[derive(Serialize, Debug)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub display_name: String,
    pub patient_id: Option<String>,
    pub timezone: String,
    pub locale: String,
    /// A caregiver's patients.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caregiver_of: Option<Vec<String>>,
}

impl From<User> for UserView {
    fn from(user: User) -> Self {
        Self {
            id: user.id,
            email: user.email,
            role: user.role,
            display_name: user.display_name,
            patient_id: user.patient_id,
            timezone: user.timezone,
            locale: user.locale,
            caregiver_of: None,
        }
    }
}

#[derive(Serialize, Debug)]
pub struct PatientView {
    pub id: String,
    pub display_name: String,
    pub birth_year: Option<i32>,
    pub timezone: String,
    pub locale: String,
    pub created_at: DateTime<Utc>,
}

impl From<Patient> for PatientView {
    fn from(patient: Patient) -> Self {
        Self {
            id: patient.id,
            display_name: patient.display_name,
            birth_year: patient.birth_year,
            timezone: patient.timezone,
            locale: patient.locale,
            created_at: utc(patient.created_at),
        }
    }
}

#[derive(Serialize, Debug)]
pub struct InviteView {
    pub code: String,
    pub expires_at: DateTime<Utc>,
}
