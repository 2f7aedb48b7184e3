//! XML Schema validation through the system libxml2 (the validator `xmllint --schema` uses),
//! with the NEMSIS v3.5.0 schemas embedded. Validation streams the file (libxml2's SAX-based
//! `xmlSchemaValidateFile`), so memory stays flat whatever the file size; every violation comes
//! back with its line and the element it names.
//!
//! Why direct bindings and not the `libxml` crate: that crate generates its bindings with
//! bindgen at build time, which needs libclang, absent from the machines the registry builds
//! on; the ten functions used here are libxml2's stable public API (`xmlschemas.h`).
//!
//! Callers must refuse a DOCTYPE before validating (the NEMSIS reader in `akutt-nemsis` does),
//! so libxml2 never expands entities or loads external ones.

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The NEMSIS v3.5.0 schema files (public material of the NEMSIS TAC; see `xsd/README.md`).
pub const NEMSIS_V350: &[(&str, &[u8])] = &[
    ("DEMDataSet_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/DEMDataSet_v3.xsd")),
    ("EMSDataSet_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/EMSDataSet_v3.xsd")),
    ("StateDataSet_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/StateDataSet_v3.xsd")),
    ("commonTypes_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/commonTypes_v3.xsd")),
    ("dAgency_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/dAgency_v3.xsd")),
    ("dConfiguration_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/dConfiguration_v3.xsd")),
    ("dContact_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/dContact_v3.xsd")),
    ("dCustom_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/dCustom_v3.xsd")),
    ("dDevice_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/dDevice_v3.xsd")),
    ("dFacility_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/dFacility_v3.xsd")),
    ("dLocation_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/dLocation_v3.xsd")),
    ("dPersonnel_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/dPersonnel_v3.xsd")),
    ("dVehicle_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/dVehicle_v3.xsd")),
    ("eAirway_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/eAirway_v3.xsd")),
    ("eArrest_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/eArrest_v3.xsd")),
    ("eCrew_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/eCrew_v3.xsd")),
    ("eCustom_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/eCustom_v3.xsd")),
    ("eDevice_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/eDevice_v3.xsd")),
    ("eDispatch_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/eDispatch_v3.xsd")),
    ("eDisposition_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/eDisposition_v3.xsd")),
    ("eExam_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/eExam_v3.xsd")),
    ("eHistory_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/eHistory_v3.xsd")),
    ("eInjury_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/eInjury_v3.xsd")),
    ("eLabs_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/eLabs_v3.xsd")),
    ("eMedications_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/eMedications_v3.xsd")),
    ("eNarrative_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/eNarrative_v3.xsd")),
    ("eOther_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/eOther_v3.xsd")),
    ("eOutcome_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/eOutcome_v3.xsd")),
    ("ePatient_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/ePatient_v3.xsd")),
    ("ePayment_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/ePayment_v3.xsd")),
    ("eProcedures_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/eProcedures_v3.xsd")),
    ("eProtocols_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/eProtocols_v3.xsd")),
    ("eRecord_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/eRecord_v3.xsd")),
    ("eResponse_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/eResponse_v3.xsd")),
    ("eScene_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/eScene_v3.xsd")),
    ("eSituation_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/eSituation_v3.xsd")),
    ("eTimes_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/eTimes_v3.xsd")),
    ("eVitals_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/eVitals_v3.xsd")),
    ("sAgency_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/sAgency_v3.xsd")),
    ("sConfiguration_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/sConfiguration_v3.xsd")),
    ("sElement_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/sElement_v3.xsd")),
    ("sFacility_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/sFacility_v3.xsd")),
    ("sSoftware_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/sSoftware_v3.xsd")),
    ("sState_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/sState_v3.xsd")),
    ("sdCustom_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/sdCustom_v3.xsd")),
    ("seCustom_v3.xsd", include_bytes!("../xsd/nemsis-3.5.0/seCustom_v3.xsd")),
];
/// The root schema of the EMS data set.
pub const NEMSIS_ROOT: &str = "EMSDataSet_v3.xsd";

#[derive(Debug, thiserror::Error)]
pub enum XsdError {
    #[error("{path}")]
    Io { path: String, source: std::io::Error },
    #[error("the schema {path} could not be compiled: {messages}")]
    Schema { path: String, messages: String },
    #[error("libxml2 could not start: {0}")]
    Internal(String),
}

/// One schema violation (or, rarely, an XML error met while validating).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// 1-based line, when libxml2 knows it.
    pub line: Option<u64>,
    /// The element the message names (local name, namespace stripped), e.g. `eCrew.02`.
    pub element: Option<String>,
    /// libxml2's message, namespace URIs removed for reading.
    pub message: String,
}

#[repr(C)]
struct XmlError {
    domain: c_int,
    code: c_int,
    message: *const c_char,
    level: c_int,
    file: *const c_char,
    line: c_int,
    str1: *const c_char,
    str2: *const c_char,
    str3: *const c_char,
    int1: c_int,
    int2: c_int,
    ctxt: *mut c_void,
    node: *mut c_void,
}

type StructuredErrorFn = unsafe extern "C" fn(user: *mut c_void, error: *const XmlError);

#[link(name = "xml2")]
unsafe extern "C" {
    fn xmlInitParser();
    fn xmlSchemaNewParserCtxt(url: *const c_char) -> *mut c_void;
    fn xmlSchemaSetParserStructuredErrors(
        ctxt: *mut c_void,
        f: Option<StructuredErrorFn>,
        user: *mut c_void,
    );
    fn xmlSchemaParse(ctxt: *mut c_void) -> *mut c_void;
    fn xmlSchemaFreeParserCtxt(ctxt: *mut c_void);
    fn xmlSchemaFree(schema: *mut c_void);
    fn xmlSchemaNewValidCtxt(schema: *mut c_void) -> *mut c_void;
    fn xmlSchemaFreeValidCtxt(ctxt: *mut c_void);
    fn xmlSchemaSetValidStructuredErrors(
        ctxt: *mut c_void,
        f: Option<StructuredErrorFn>,
        user: *mut c_void,
    );
    fn xmlSchemaValidateFile(ctxt: *mut c_void, filename: *const c_char, options: c_int) -> c_int;
    fn xmlSetStructuredErrorFunc(user: *mut c_void, f: Option<StructuredErrorFn>);
}

/// Violations listed at most; the count goes on.
pub const MAX_VIOLATIONS: usize = 1000;

struct Collector {
    violations: Vec<Violation>,
    total: u64,
}

unsafe extern "C" fn collect(user: *mut c_void, error: *const XmlError) {
    // No unwinding across the C boundary: nothing here can panic on any input.
    if user.is_null() || error.is_null() {
        return;
    }
    let c = unsafe { &mut *(user as *mut Collector) };
    let e = unsafe { &*error };
    c.total += 1;
    if c.violations.len() >= MAX_VIOLATIONS {
        return;
    }
    let raw = if e.message.is_null() {
        String::new()
    } else {
        unsafe { CStr::from_ptr(e.message) }.to_string_lossy().trim().to_string()
    };
    c.violations.push(Violation {
        line: u64::try_from(e.line).ok().filter(|l| *l > 0),
        element: element_of(&raw),
        message: strip_namespaces(&raw),
    });
}

/// `Element '{http://www.nemsis.org}eCrew.02': …` → `eCrew.02`.
pub fn element_of(message: &str) -> Option<String> {
    let rest = message.strip_prefix("Element '")?;
    let name = &rest[..rest.find('\'')?];
    let local = name.rsplit('}').next().unwrap_or(name);
    (!local.is_empty()).then(|| local.to_string())
}

fn strip_namespaces(message: &str) -> String {
    // `{http://www.nemsis.org}name` → `name`; a value set `{'a', 'b'}` stays.
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close)
                if after[..close].contains("://") && !after[..close].contains([' ', '\'']) =>
            {
                rest = &after[close + 1..]
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A compiled schema. Validation is serialised (one file at a time per schema).
pub struct Schema {
    ptr: Mutex<*mut c_void>,
    path: PathBuf,
}

// The compiled schema is only read, and every use goes through the mutex.
unsafe impl Send for Schema {}
unsafe impl Sync for Schema {}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(p) = self.ptr.lock() {
            unsafe { xmlSchemaFree(*p) };
        }
    }
}

fn path_cstring(path: &Path) -> Result<CString, XsdError> {
    CString::new(path.to_string_lossy().as_bytes())
        .map_err(|_| XsdError::Internal(format!("{} contains a NUL byte", path.display())))
}

impl Schema {
    /// Writes the embedded NEMSIS v3.5.0 schemas into `dir` (unchanged files are left alone)
    /// and compiles them.
    pub fn nemsis_v350(dir: &Path) -> Result<Schema, XsdError> {
        let io = |p: &Path| {
            let path = p.display().to_string();
            move |source| XsdError::Io { path, source }
        };
        // Inside the data directory: private like the rest of it (0700 / 0600).
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(io(dir))?;
        for (name, bytes) in NEMSIS_V350 {
            let p = dir.join(name);
            if fs::read(&p).ok().as_deref() != Some(*bytes) {
                let tmp = dir.join(format!(".{name}.tmp"));
                let mut opts = fs::OpenOptions::new();
                opts.write(true).create(true).truncate(true).mode(0o600);
                std::io::Write::write_all(&mut opts.open(&tmp).map_err(io(&tmp))?, bytes)
                    .map_err(io(&tmp))?;
                fs::rename(&tmp, &p).map_err(io(&p))?;
            }
        }
        Schema::compile(&dir.join(NEMSIS_ROOT))
    }

    /// Compiles the schema at `path` (its includes resolved relative to it).
    pub fn compile(path: &Path) -> Result<Schema, XsdError> {
        let c_path = path_cstring(path)?;
        let mut collector = Collector { violations: Vec::new(), total: 0 };
        let schema = unsafe {
            xmlInitParser();
            let ctxt = xmlSchemaNewParserCtxt(c_path.as_ptr());
            if ctxt.is_null() {
                return Err(XsdError::Internal("xmlSchemaNewParserCtxt failed".into()));
            }
            let user = &mut collector as *mut Collector as *mut c_void;
            xmlSchemaSetParserStructuredErrors(ctxt, Some(collect), user);
            xmlSetStructuredErrorFunc(user, Some(collect));
            let schema = xmlSchemaParse(ctxt);
            xmlSetStructuredErrorFunc(std::ptr::null_mut(), None);
            xmlSchemaFreeParserCtxt(ctxt);
            schema
        };
        if schema.is_null() {
            let messages = collector
                .violations
                .iter()
                .map(|v| v.message.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            return Err(XsdError::Schema { path: path.display().to_string(), messages });
        }
        Ok(Schema { ptr: Mutex::new(schema), path: path.to_path_buf() })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Validates the file at `file` against the schema, streaming. Returns the violations
    /// (at most [`MAX_VIOLATIONS`]) and their total count; none means valid.
    pub fn validate_file(&self, file: &Path) -> Result<(Vec<Violation>, u64), XsdError> {
        let c_file = path_cstring(file)?;
        let guard =
            self.ptr.lock().map_err(|_| XsdError::Internal("schema lock poisoned".into()))?;
        let mut collector = Collector { violations: Vec::new(), total: 0 };
        let rc = unsafe {
            let ctxt = xmlSchemaNewValidCtxt(*guard);
            if ctxt.is_null() {
                return Err(XsdError::Internal("xmlSchemaNewValidCtxt failed".into()));
            }
            let user = &mut collector as *mut Collector as *mut c_void;
            xmlSchemaSetValidStructuredErrors(ctxt, Some(collect), user);
            xmlSetStructuredErrorFunc(user, Some(collect));
            let rc = xmlSchemaValidateFile(ctxt, c_file.as_ptr(), 0);
            xmlSetStructuredErrorFunc(std::ptr::null_mut(), None);
            xmlSchemaFreeValidCtxt(ctxt);
            rc
        };
        drop(guard);
        if rc < 0 && collector.total == 0 {
            return Err(XsdError::Internal(format!(
                "libxml2 could not validate {} (code {rc})",
                file.display()
            )));
        }
        if rc > 0 && collector.total == 0 {
            collector.violations.push(Violation {
                line: None,
                element: None,
                message: format!("libxml2 reported the file invalid (code {rc})"),
            });
            collector.total = 1;
        }
        Ok((collector.violations, collector.total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_names_come_out_of_messages() {
        assert_eq!(
            element_of("Element '{http://www.nemsis.org}eCrew.02': [facet 'enumeration'] x")
                .as_deref(),
            Some("eCrew.02")
        );
        assert_eq!(element_of("Element 'plain': x").as_deref(), Some("plain"));
        assert_eq!(element_of("Something else"), None);
        assert_eq!(
            strip_namespaces(
                "Element '{http://www.nemsis.org}a': expected ( {http://www.nemsis.org}b )."
            ),
            "Element 'a': expected ( b )."
        );
        assert_eq!(
            strip_namespaces("not an element of the set {'1', '2'}."),
            "not an element of the set {'1', '2'}."
        );
    }
}
