//! Ad-hoc read-only SQL over the stored tables of one data version, with Apache DataFusion.
//!
//! Built only with the `sql` feature of the `akutt` binary: DataFusion is a long build, so
//! nothing else depends on this crate. Tables: `incidents`, `contacts`, `patients`,
//! `actions` (see docs/DATA.md), each the union of the Parquet files of the submission
//! versions visible at the chosen data version.

use std::fmt::Write;
use std::sync::Arc;

use akutt_store::{Catalog, DataDir, TABLES};
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::datasource::MemTable;
use datafusion::execution::context::SQLOptions;
use datafusion::prelude::SessionContext;

#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    #[error(transparent)]
    DataFusion(#[from] datafusion::error::DataFusionError),
    #[error(transparent)]
    Arrow(#[from] datafusion::arrow::error::ArrowError),
    #[error(transparent)]
    Store(#[from] akutt_store::StoreError),
    #[error("the query runtime")]
    Runtime(#[from] std::io::Error),
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
}

/// Runs one read-only query (no DDL, DML or statements) and formats the result.
pub fn run(
    data: &DataDir,
    catalog: &Catalog,
    query: &str,
    as_of: Option<i64>,
    format: Format,
) -> Result<String, SqlError> {
    let rt = tokio::runtime::Builder::new_current_thread().build()?;
    let batches = rt.block_on(query_batches(data, catalog, query, as_of))?;
    Ok(match format {
        Format::Table => pretty_format_batches(&batches)?.to_string() + "\n",
        Format::Csv => to_csv(&batches)?,
    })
}

async fn query_batches(
    data: &DataDir,
    catalog: &Catalog,
    query: &str,
    as_of: Option<i64>,
) -> Result<Vec<RecordBatch>, SqlError> {
    let ctx = SessionContext::new();
    let visible = catalog.visible_at(as_of)?;
    for table in TABLES {
        let schema = schema(table);
        let urls = visible
            .iter()
            .filter_map(|s| s.store_dir.as_deref())
            .map(|d| {
                ListingTableUrl::parse(
                    data.store_dir(d).join(format!("{table}.parquet")).to_string_lossy().as_ref(),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        if urls.is_empty() {
            ctx.register_table(table, Arc::new(MemTable::try_new(schema, vec![vec![]])?))?;
            continue;
        }
        let options =
            ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
        let config = ListingTableConfig::new_with_multi_paths(urls)
            .with_listing_options(options)
            .with_schema(schema);
        ctx.register_table(table, Arc::new(ListingTable::try_new(config)?))?;
    }
    let options =
        SQLOptions::new().with_allow_ddl(false).with_allow_dml(false).with_allow_statements(false);
    let df = ctx.sql_with_options(query, options).await?;
    Ok(df.collect().await?)
}

/// The table's schema in DataFusion's Arrow version, from the store's column list.
fn schema(table: &str) -> SchemaRef {
    let fields: Vec<Field> = akutt_store::tables::columns(table)
        .unwrap_or_default()
        .into_iter()
        .map(|(name, ty)| {
            let dt = match ty {
                "timestamp_ms_utc" => {
                    DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
                }
                "int32" => DataType::Int32,
                "int64" => DataType::Int64,
                "bool" => DataType::Boolean,
                _ => DataType::Utf8,
            };
            Field::new(name, dt, true)
        })
        .collect();
    Arc::new(Schema::new(fields))
}

fn to_csv(batches: &[RecordBatch]) -> Result<String, SqlError> {
    let mut out = String::new();
    let Some(first) = batches.first() else { return Ok(out) };
    let names: Vec<String> = first.schema().fields().iter().map(|f| quote(f.name())).collect();
    out += &names.join(",");
    out.push('\n');
    let opts = FormatOptions::default();
    for b in batches {
        let fmts = b
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &opts))
            .collect::<Result<Vec<_>, _>>()?;
        for row in 0..b.num_rows() {
            let cells: Vec<String> =
                fmts.iter().map(|f| quote(&f.value(row).to_string())).collect();
            let _ = writeln!(out, "{}", cells.join(","));
        }
    }
    Ok(out)
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
