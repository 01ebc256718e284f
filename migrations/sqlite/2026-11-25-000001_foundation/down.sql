DROP TABLE service_settings;
DROP TABLE login_throttle;
DROP TABLE refresh_tokens;
DROP TABLE invites;
DROP TABLE care_team_members;
DROP TABLE users;
DROP TABLE patients;
