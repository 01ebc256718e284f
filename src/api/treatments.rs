//! Treatments, recorded by a physician on the patient's care team, with the
//! check-in schedule and aftercare in the patient's zone and language.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use super::paging::{audited_page, PageQuery};
use super::Body;
use crate::auth::audit::{self, Action};
use crate::auth::{access, AuthUser};
use crate::clock::{now, utc};
use crate::db::{
    patients::Patient,
    treatments::{self, Treatment},
};
use crate::domain::accounts::Role;
use crate::domain::guidance::{self, Guidance, TreatmentNotes};
use crate::domain::schedule;
use crate::domain::screening::Screening;
use crate::domain::treatments::{check_sites, Kind, BASELINE_SYSTOLIC_BP};
use crate::error::{ApiError, FieldErrors};
use crate::state::AppState;

#[derive(Deserialize, Serialize, Clone, Copy)]
pub struct ScreeningBody {
    pub cancer_treatment: bool,
    pub pregnant: bool,
    pub breastfeeding: bool,
    pub planning_pregnancy: bool,
}

#[derive(Deserialize)]
pub struct CreateTreatment {
    pub kind: String,
    #[serde(default)]
    pub sites: Vec<String>,
    pub product: String,
    pub lot: Option<String>,
    #[serde(deserialize_with = "super::instants::required")]
    pub administered_at: DateTime<Utc>,
    pub screening: ScreeningBody,
    pub override_reason: Option<String>,
    pub baseline_systolic_bp: Option<i64>,
}

#[derive(Serialize)]
struct Slot {
    day: i64,
    due_date: NaiveDate,
}

#[derive(Serialize)]
pub struct GuidanceView {
    code: &'static str,
    text: String,
}

impl From<Guidance> for GuidanceView {
    fn from(g: Guidance) -> Self {
        Self {
            code: g.code,
            text: g.text,
        }
    }
}

#[derive(Serialize)]
pub struct TreatmentView {
    id: String,
    patient_id: String,
    physician_id: String,
    kind: String,
    sites: Vec<String>,
    product: String,
    lot: Option<String>,
    administered_at: DateTime<Utc>,
    screening: ScreeningBody,
    override_reason: Option<String>,
    baseline_systolic_bp: Option<i32>,
    warnings: Vec<String>,
    schedule: Vec<Slot>,
    aftercare: Vec<GuidanceView>,
    created_at: DateTime<Utc>,
}

pub fn view(t: Treatment, patient: &Patient, emergency_number: &str) -> TreatmentView {
    let sites = t.site_codes();
    let facts = t.facts();
    let administered_at = utc(t.administered_at);
    TreatmentView {
        schedule: schedule::schedule(administered_at, patient.zone())
            .into_iter()
            .map(|(day, due_date)| Slot { day, due_date })
            .collect(),
        aftercare: guidance::aftercare(
            patient.language(),
            &TreatmentNotes {
                route: facts.route,
                scalp: sites.iter().any(|s| s == "scalp"),
            },
            emergency_number,
        )
        .into_iter()
        .map(GuidanceView::from)
        .collect(),
        warnings: serde_json::from_str(&t.warnings).unwrap_or_default(),
        screening: ScreeningBody {
            cancer_treatment: t.cancer_treatment,
            pregnant: t.pregnant,
            breastfeeding: t.breastfeeding,
            planning_pregnancy: t.planning_pregnancy,
        },
        id: t.id,
        patient_id: t.patient_id,
        physician_id: t.physician_id,
        kind: t.kind,
        sites,
        product: t.product,
        lot: t.lot,
        administered_at,
        override_reason: t.override_reason,
        baseline_systolic_bp: t.baseline_systolic_bp,
        created_at: utc(t.created_at),
    }
}

fn text(errors: &mut FieldErrors, field: &str, value: &str, max: usize) -> String {
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.chars().count() > max {
        errors.add(field, format!("must be 1 to {max} characters"));
    }
    trimmed.to_owned()
}

/// Validates the request into a row; contraindications without an override
/// are refused after every field is known to be valid.
fn plan(
    body: CreateTreatment,
    patient_id: &str,
    physician_id: &str,
) -> Result<Treatment, ApiError> {
    let mut errors = FieldErrors::new();
    let kind = Kind::parse(&body.kind);
    if kind.is_none() {
        errors.add("kind", "must be injection, iv_drip or iv_push");
    }
    let sites = check_sites(kind, &body.sites)
        .map_err(|m| errors.add("sites", m))
        .unwrap_or_default();
    let product = text(&mut errors, "product", &body.product, 200);
    let lot = body
        .lot
        .as_deref()
        .map(|lot| text(&mut errors, "lot", lot, 100));
    let at = now();
    if body.administered_at > at + Duration::minutes(5) {
        errors.add("administered_at", "must not be in the future");
    }
    // Follow-up lasts weeks: an older date is a typing error, and it would
    // put every check-in on a day in the hundreds.
    if at
        .checked_sub_months(chrono::Months::new(24))
        .is_some_and(|limit| body.administered_at < limit)
    {
        errors.add(
            "administered_at",
            "must not be more than 2 years in the past",
        );
    }
    let baseline_systolic_bp = body.baseline_systolic_bp.and_then(|bp| {
        let range = BASELINE_SYSTOLIC_BP;
        if !range.contains(&bp) {
            errors.add(
                "baseline_systolic_bp",
                format!("must be {} to {} mmHg", range.start(), range.end()),
            );
        }
        i32::try_from(bp).ok()
    });
    let override_reason = body
        .override_reason
        .as_deref()
        .map(|r| text(&mut errors, "override_reason", r, 2000));
    errors.into_result()?;
    let s = body.screening;
    let screening = Screening {
        cancer_treatment: s.cancer_treatment,
        pregnant: s.pregnant,
        breastfeeding: s.breastfeeding,
        planning_pregnancy: s.planning_pregnancy,
    };
    let contraindications = screening.contraindications();
    if !contraindications.is_empty() && override_reason.is_none() {
        return Err(ApiError::Contraindicated(contraindications));
    }
    let warnings = screening.warnings(override_reason.is_some());
    Ok(Treatment {
        id: uuid::Uuid::now_v7().to_string(),
        patient_id: patient_id.to_owned(),
        physician_id: physician_id.to_owned(),
        kind: kind.map(Kind::as_str).unwrap_or_default().to_owned(),
        sites: serde_json::to_string(&sites).map_err(ApiError::internal)?,
        product,
        lot,
        administered_at: body.administered_at.trunc_subsecs(6).naive_utc(),
        cancer_treatment: s.cancer_treatment,
        pregnant: s.pregnant,
        breastfeeding: s.breastfeeding,
        planning_pregnancy: s.planning_pregnancy,
        override_reason,
        warnings: serde_json::to_string(&warnings).map_err(ApiError::internal)?,
        created_at: at.naive_utc(),
        baseline_systolic_bp,
    })
}

#[tracing::instrument(skip_all, fields(patient_id = %path))]
pub async fn create(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
    Body(body): Body<CreateTreatment>,
) -> Result<HttpResponse, ApiError> {
    let created = record(&state, user, path.into_inner().to_string(), body).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Records a treatment of the patient by a care-team physician: the
/// screening is checked (a contraindication needs an override reason).
pub async fn record(
    state: &AppState,
    user: AuthUser,
    patient_id: String,
    body: CreateTreatment,
) -> Result<TreatmentView, ApiError> {
    user.require(&[Role::Physician])?;
    let number = state.settings.emergency_number.clone();
    let created = state
        .db
        .transaction(move |conn| {
            let patient = access::patient_for(conn, &user, &patient_id)?;
            let treatment = plan(body, &patient.id, &user.id)?;
            let at = now();
            treatments::insert(conn, &treatment, &patient, at)?;
            audit::record(
                conn,
                &user,
                Action::Create,
                &[(&patient.id, "treatment", &treatment.id)],
                at,
            )?;
            Ok(view(treatment, &patient, &number))
        })
        .await?;
    tracing::info!(treatment_id = %created.id, "treatment recorded");
    Ok(created)
}

#[tracing::instrument(skip_all, fields(patient_id = %path))]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
    query: PageQuery,
) -> Result<HttpResponse, ApiError> {
    let patient_id = path.into_inner().to_string();
    let (limit, after) = (query.limit()?, query.after()?);
    let number = state.settings.emergency_number.clone();
    let body = state
        .db
        .run(move |conn| {
            let patient = access::patient_for(conn, &user, &patient_id)?;
            let rows = treatments::list_for_patient(conn, &patient.id, after, limit + 1)?;
            let page = audited_page(&user, now(), rows, limit, |t| {
                query.cursor(t.administered_at, &t.id)
            });
            Ok(page.map(|page| page.map(|t| view(t, &patient, &number))))
        })
        .await?;
    Ok(HttpResponse::Ok().json(state.reads.audit(body).await?))
}

/// Loads a treatment and its patient if the caller may see them.
#[tracing::instrument(skip_all, fields(treatment_id = %path))]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let treatment_id = path.into_inner().to_string();
    let number = state.settings.emergency_number.clone();
    let body = state
        .db
        .run(move |conn| {
            let (treatment, patient) = access::treatment_for(conn, &user, &treatment_id)?;
            let touched = [(patient.id.as_str(), "treatment", treatment.id.as_str())];
            let read = audit::read(&user, &touched, now(), ());
            Ok(read.map(|()| view(treatment, &patient, &number)))
        })
        .await?;
    Ok(HttpResponse::Ok().json(state.reads.audit(body).await?))
}
