//! Table definitions shared by both backends; only portable column types.

diesel::table! {
    patients (id) {
        id -> Text,
        display_name -> Text,
        birth_year -> Nullable<Integer>,
        timezone -> Text,
        locale -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        display_name -> Text,
        patient_id -> Nullable<Text>,
        timezone -> Text,
        locale -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    care_team_members (patient_id, physician_id) {
        patient_id -> Text,
        physician_id -> Text,
        added_by -> Nullable<Text>,
        added_at -> Timestamp,
    }
}

diesel::table! {
    invites (id) {
        id -> Text,
        patient_id -> Text,
        code_hash -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        voided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        user_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        spent_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        failures -> Integer,
        window_started_at -> Timestamp,
        blocked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    service_settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::joinable!(users -> patients (patient_id));
diesel::joinable!(care_team_members -> patients (patient_id));
diesel::joinable!(invites -> patients (patient_id));
diesel::joinable!(refresh_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    patients,
    users,
    care_team_members,
    invites,
    refresh_tokens,
    login_throttle,
    service_settings,
);
