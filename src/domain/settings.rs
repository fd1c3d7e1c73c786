//! Deployment settings kept in the database, so that commands run beside a
//! server (`quire retention`, `quire copy`) can check that they agree with
//! it.

use chrono::Utc;
use entity::deployment_setting as setting;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};

use super::error::DomainResult;

/// The name of the file store's location.
const FILE_STORE: &str = "file_store";

/// Sets a setting.
pub async fn put(db: &impl ConnectionTrait, name: &str, value: &str) -> Result<(), DbErr> {
    let row = setting::ActiveModel {
        name: sea_orm::Set(name.to_owned()),
        value: sea_orm::Set(value.to_owned()),
        updated_at: sea_orm::Set(Utc::now()),
    };
    setting::Entity::insert(row)
        .on_conflict(
            OnConflict::column(setting::Column::Name)
                .update_columns([setting::Column::Value, setting::Column::UpdatedAt])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// A setting, if set.
pub async fn get(db: &impl ConnectionTrait, name: &str) -> Result<Option<String>, DbErr> {
    Ok(setting::Entity::find_by_id(name.to_owned())
        .one(db)
        .await?
        .map(|s| s.value))
}

/// Records where this server keeps file blobs and archived values.
pub async fn note_file_store(db: &impl ConnectionTrait, location: &str) -> DomainResult<()> {
    Ok(put(db, FILE_STORE, location).await?)
}

/// Where the server last said it keeps file blobs, if a server has run.
pub async fn file_store(db: &impl ConnectionTrait) -> DomainResult<Option<String>> {
    Ok(get(db, FILE_STORE).await?)
}
