-- Wanmi component census (部件普查) schema for PostgreSQL + PostGIS.
--
-- A string.Template: wanmi.layers.stores.postgis fills the placeholders below from the store's code scheme
-- (quoted identifiers and literals) and runs the whole file in one transaction. A literal dollar sign is
-- written twice. The columns follow GB/T 47678.5-2026 表2 under the English names of wanmi.layers.schema (a
-- test checks that the two agree).
--
--   schema          quoted schema name                  srid            EPSG code of the geometries
--   geometry_type   Point or Geometry                   code_length     digits of a component code
--   code_regex      regex literal: exactly code_length digits
--   class_width     digits of a class code (大类+小类)   class_regex     regex literal: class_width digits
--   class_expr      class digits cut out of code        serial_expr     serial digits cut out of code
--   zero_serial     all-zero serial literal             statuses        the five status literals
--   major_width, minor_width

CREATE SCHEMA IF NOT EXISTS $schema;

CREATE TABLE $schema.census_meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
COMMENT ON TABLE $schema.census_meta IS '部件普查库元数据 (code scheme, CRS, schema version)';

CREATE TABLE $schema.component_class (
    class_code    varchar($class_width) PRIMARY KEY,
    major         varchar($major_width) NOT NULL,
    minor         varchar($minor_width) NOT NULL,
    name_zh       text NOT NULL,
    major_name_zh text,
    CONSTRAINT component_class_format CHECK (class_code ~ $class_regex),
    CONSTRAINT component_class_parts CHECK (class_code = major || minor)
);
COMMENT ON TABLE $schema.component_class IS '部件分类 (class directory of the code scheme)';

CREATE TABLE $schema.components (
    fid             bigserial PRIMARY KEY,
    code            varchar($code_length) NOT NULL,
    class_code      varchar($class_width) NOT NULL REFERENCES $schema.component_class (class_code),
    name            varchar(30) NOT NULL,
    dept_code       varchar(18) NOT NULL,
    dept_name       varchar(100) NOT NULL,
    owner_code      varchar(18),
    owner_name      varchar(100),
    maintainer_code varchar(18),
    maintainer_name varchar(100),
    cell_code       varchar(15) NOT NULL,
    street_code     varchar(9),
    street_name     varchar(50),
    community_code  varchar(12),
    community_name  varchar(50),
    status          varchar(10) NOT NULL,
    initial_date    date NOT NULL,
    change_date     date,
    data_source     varchar(30),
    note            varchar(1000),
    geom            geometry($geometry_type, $srid) NOT NULL,
    CONSTRAINT components_code_unique UNIQUE (code),
    CONSTRAINT components_code_format CHECK (code ~ $code_regex),
    CONSTRAINT components_serial_nonzero CHECK ($serial_expr <> $zero_serial),
    CONSTRAINT components_class_in_code CHECK (class_code = $class_expr),
    CONSTRAINT components_cell_code_format CHECK (cell_code ~ '^[0-9]{14,15}$$'),
    CONSTRAINT components_status CHECK (status IN ($statuses)),
    CONSTRAINT components_dates CHECK (change_date IS NULL OR change_date >= initial_date),
    CONSTRAINT components_geom_valid CHECK (NOT ST_IsEmpty(geom))
);
CREATE INDEX components_geom_gist ON $schema.components USING GIST (geom);
CREATE INDEX components_class_idx ON $schema.components (class_code);
CREATE INDEX components_cell_idx ON $schema.components (cell_code);
COMMENT ON TABLE $schema.components IS '管理部件 (components), GB/T 47678.5-2026 表2';
COMMENT ON COLUMN $schema.components.code IS '管理部件标识码 GLBJBSM / ObjID';
COMMENT ON COLUMN $schema.components.class_code IS '部件小类代码 (大类+小类, from the code)';
COMMENT ON COLUMN $schema.components.name IS '管理部件名称 GLBJMC / ObjName';
COMMENT ON COLUMN $schema.components.dept_code IS '主管部门代码 ZGBMDM / DeptCode1';
COMMENT ON COLUMN $schema.components.dept_name IS '主管部门名称 ZGBMMC / DeptName1';
COMMENT ON COLUMN $schema.components.owner_code IS '权属单位代码 QSDWDM / DeptCode2';
COMMENT ON COLUMN $schema.components.owner_name IS '权属单位名称 QSDWMC / DeptName2';
COMMENT ON COLUMN $schema.components.maintainer_code IS '养护单位代码 YHDWDM / DeptCode3';
COMMENT ON COLUMN $schema.components.maintainer_name IS '养护单位名称 YHDWMC / DeptName3';
COMMENT ON COLUMN $schema.components.cell_code IS '所在单元网格标识码 SZDYWGBSM / BGID';
COMMENT ON COLUMN $schema.components.street_code IS '所在街道代码 SZJDDM';
COMMENT ON COLUMN $schema.components.street_name IS '所在街道名称 SZJDMC';
COMMENT ON COLUMN $schema.components.community_code IS '所在社区代码 SZSQDM';
COMMENT ON COLUMN $schema.components.community_name IS '所在社区名称 SZSQMC';
COMMENT ON COLUMN $schema.components.status IS '管理部件状态 GLBJZT / ObjState';
COMMENT ON COLUMN $schema.components.initial_date IS '初始日期 CSRQ / ORDate';
COMMENT ON COLUMN $schema.components.change_date IS '变更日期 BGRQ / CHDate';
COMMENT ON COLUMN $schema.components.data_source IS '数据来源 SJLY / DataSource';
COMMENT ON COLUMN $schema.components.note IS '备注 BZ / Note';

CREATE TABLE $schema.component_history (
    id          bigserial PRIMARY KEY,
    code        varchar($code_length) NOT NULL REFERENCES $schema.components (code) ON UPDATE CASCADE,
    old_status  varchar(10),
    new_status  varchar(10) NOT NULL,
    change_date date NOT NULL,
    note        varchar(1000),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT component_history_status CHECK (new_status IN ($statuses))
);
CREATE INDEX component_history_code_idx ON $schema.component_history (code);
COMMENT ON TABLE $schema.component_history IS '部件状态变更记录 (status history)';

-- One row per (class, street/district): the largest serial ever issued. Allocators lock the row
-- (SELECT ... FOR UPDATE) for their transaction, so concurrent allocations are serialised.
CREATE TABLE $schema.code_counters (
    class_code  varchar($class_width) NOT NULL REFERENCES $schema.component_class (class_code),
    area        varchar(32) NOT NULL,
    last_serial bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (class_code, area),
    CONSTRAINT code_counters_nonnegative CHECK (last_serial >= 0)
);
COMMENT ON TABLE $schema.code_counters IS '部件编码流水号计数器 (last serial per class and street/district)';
