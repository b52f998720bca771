-- Wanmi code registry (编码登记) for a PostGIS component census: every code ever stored in components, never
-- deleted. Statement triggers fill it whoever writes (Wanmi, QGIS, psql), so the code of a deleted component
-- is never imported or allocated again. A string.Template with the placeholders of postgis_schema.sql (a
-- literal dollar sign is written twice); run when a store is created, and once on an older store that lacks it.

CREATE TABLE $schema.code_registry (
    code         varchar($code_length) PRIMARY KEY,
    class_code   varchar($class_width) NOT NULL,
    first_stored timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX code_registry_class_idx ON $schema.code_registry (class_code);
COMMENT ON TABLE $schema.code_registry IS '部件编码登记 (every component code ever stored; never issued again)';

CREATE OR REPLACE FUNCTION $schema.register_component_codes() RETURNS trigger LANGUAGE plpgsql AS $$$$
BEGIN
    INSERT INTO $schema.code_registry (code, class_code) SELECT code, class_code FROM new_rows
        ON CONFLICT (code) DO NOTHING;
    RETURN NULL;
END
$$$$;
CREATE TRIGGER code_registry_insert AFTER INSERT ON $schema.components REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION $schema.register_component_codes();
CREATE TRIGGER code_registry_update AFTER UPDATE ON $schema.components REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION $schema.register_component_codes();

INSERT INTO $schema.code_registry (code, class_code)
    SELECT code, class_code FROM $schema.components
    UNION SELECT code, $class_expr FROM $schema.component_history
    ON CONFLICT (code) DO NOTHING;
