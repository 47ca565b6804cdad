DROP TABLE person_follows;
