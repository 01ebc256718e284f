DROP TABLE treatment_standings;
