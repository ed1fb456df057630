-- The imr analytical store (DuckDB). One row per letter, per determination (item), per guideline
-- citation, per finding and per diagnosis. Child tables refer to letters by letter_id; a letter's
-- natural key is (letter_key, source): letter_key is the canonical text's SHA-256, or for an error
-- row without text 'input:' + the input file's SHA-256. docs/analysis.md describes every column.

CREATE TABLE IF NOT EXISTS letters (
    letter_id BIGINT PRIMARY KEY,
    letter_key VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    id VARCHAR,
    sha256 VARCHAR,
    input_sha256 VARCHAR,
    model_name VARCHAR,
    model_version VARCHAR,
    status VARCHAR NOT NULL,
    error VARCHAR,
    warnings VARCHAR[],
    case_number VARCHAR,
    patient_age INTEGER,
    patient_sex VARCHAR,
    date_of_injury DATE,
    decision_date DATE,
    ur_denial_date DATE,
    date_assigned DATE,
    application_received DATE,
    priority VARCHAR,
    reviewer_specialty VARCHAR,
    reviewer_licensure VARCHAR,
    n_determinations INTEGER NOT NULL,
    UNIQUE (letter_key, source)
);

CREATE TABLE IF NOT EXISTS determinations (
    letter_id BIGINT NOT NULL,
    item INTEGER NOT NULL,
    service VARCHAR,
    service_normalised VARCHAR,
    quantity INTEGER,
    visits INTEGER,
    days INTEGER,
    frequency VARCHAR,
    strength VARCHAR[],
    refills INTEGER,
    category VARCHAR,            -- service_taxonomy.category when present, else service_normalised.category
    normalised_category VARCHAR, -- service_normalised.category as extracted
    subcategory VARCHAR,
    drug_group VARCHAR,
    generic VARCHAR,
    original_request VARCHAR,
    authorized VARCHAR,
    decision VARCHAR,
    decision_text VARCHAR,
    medically_necessary BOOLEAN,
    rationale VARCHAR,
    warnings VARCHAR[],
    PRIMARY KEY (letter_id, item)
);

CREATE TABLE IF NOT EXISTS guidelines (
    letter_id BIGINT NOT NULL,
    item INTEGER NOT NULL,
    position INTEGER NOT NULL,
    guideline_id VARCHAR,
    family VARCHAR,
    topic VARCHAR,
    cited_by VARCHAR,
    adopted_from VARCHAR,
    text VARCHAR,
    pages VARCHAR,
    page_start INTEGER,
    page_end INTEGER,
    section VARCHAR,
    edition VARCHAR,
    PRIMARY KEY (letter_id, item, position)
);

CREATE TABLE IF NOT EXISTS findings (
    letter_id BIGINT NOT NULL,
    item INTEGER NOT NULL,
    position INTEGER NOT NULL,
    text VARCHAR,
    start_char INTEGER,
    end_char INTEGER,
    score DOUBLE,
    assertion VARCHAR,           -- present | absent | not_documented (imr_finding_context), else NULL
    finding_type VARCHAR,        -- pain score, range of motion, imaging, ...
    value VARCHAR,               -- the parsed value as text (7, 130, 4/5, 130/80)
    PRIMARY KEY (letter_id, item, position)
);

CREATE TABLE IF NOT EXISTS diagnoses (
    letter_id BIGINT NOT NULL,
    position INTEGER NOT NULL,
    text VARCHAR,
    icd10cm_code VARCHAR,        -- top ICD-10-CM candidate (case.diagnosis_codes); null when none
    icd10cm_description VARCHAR,
    PRIMARY KEY (letter_id, position)
);

CREATE OR REPLACE VIEW errors AS
    SELECT letter_id, source, input_sha256, sha256, model_name, model_version, error
    FROM letters WHERE status = 'error';
