//! Registered JSON Schemas (draft 2020-12), versioned per schema key.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "artifact_schemas")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub schema_key: String,
    pub version: i32,
    #[sea_orm(column_type = "JsonBinary")]
    pub json_schema: Json,
    /// RFC 6902 patch from the previous version's values to this version's.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub upgrade: Option<Json>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
