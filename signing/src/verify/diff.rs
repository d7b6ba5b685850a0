//! Incremental-update analysis: what a later revision changed, compared by
//! resolved value against the earlier one, and whether that is allowed.
//!
//! The walk starts at the catalog of both revisions and compares every
//! reachable object. A few places are allowed to differ: the /DSS and
//! /Extensions of the catalog, /AcroForm bookkeeping (/SigFlags, /DR, /DA,
//! /NeedAppearances), new signature fields and their widgets, filling an empty
//! signature field, and (outside DocMDP P=1) form filling: field values and
//! appearances. Everything else that differs is a finding. Because objects are
//! compared along every path, an object that is allowed to change on one path
//! (say, an appearance stream) but is also used elsewhere (a page's
//! resources) is caught on the other path.

use super::pdf::{get_name, resolve};
use super::report::ReasonCode;
use lopdf::{Dictionary, Document, Object, ObjectId};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

static EMPTY: OnceLock<Dictionary> = OnceLock::new();

/// Where in the document a difference was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cat {
    PageContent,
    Pages,
    Annotations,
    SigDict,
    FormFields,
    Catalog,
    DocMdp,
}

impl Cat {
    pub fn code(self) -> ReasonCode {
        match self {
            Cat::PageContent => ReasonCode::ModifiedAfterSigningPageContent,
            Cat::Pages => ReasonCode::ModifiedAfterSigningPages,
            Cat::Annotations => ReasonCode::ModifiedAfterSigningAnnotations,
            Cat::SigDict => ReasonCode::ModifiedAfterSigningSignatureDictionary,
            Cat::FormFields => ReasonCode::ModifiedAfterSigningFormFields,
            Cat::Catalog => ReasonCode::ModifiedAfterSigningCatalog,
            Cat::DocMdp => ReasonCode::DocmdpViolation,
        }
    }
}

/// One forbidden difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub cat: Cat,
    pub path: String,
}

/// Outcome of comparing two revisions.
#[derive(Debug, Clone, Default)]
pub(crate) struct DiffResult {
    pub findings: Vec<Finding>,
    /// The step budget ran out.
    pub incomplete: bool,
}

/// Compare revision `a` (older) with `b` (newer) under DocMDP level `mdp`
/// (1 = no changes, 2 = form filling and signing, 3 = also annotations).
pub(crate) fn diff(a: &Document, b: &Document, mdp: u8, max_steps: usize) -> DiffResult {
    let sig_widgets = signature_widgets(b);
    let mut w = Walker {
        a,
        b,
        mdp,
        visited: HashSet::new(),
        steps: 0,
        max_steps,
        out: DiffResult::default(),
        sig_widgets,
    };
    let ra = a.trailer.get(b"Root").ok();
    let rb = b.trailer.get(b"Root").ok();
    match (ra, rb) {
        (Some(ra), Some(rb)) => {
            let (ca, cb) = (resolve(a, ra), resolve(b, rb));
            match (ca, cb) {
                (Object::Dictionary(da), Object::Dictionary(db)) => w.catalog(da, db),
                _ => w.find(Cat::Catalog, "/Root"),
            }
        }
        _ => w.find(Cat::Catalog, "/Root"),
    }
    w.out
}

struct Walker<'a> {
    a: &'a Document,
    b: &'a Document,
    mdp: u8,
    visited: HashSet<(ObjectId, ObjectId)>,
    steps: usize,
    max_steps: usize,
    out: DiffResult,
    /// Objects of `b` that are signature fields or their widgets (value: is a document time-stamp).
    sig_widgets: HashMap<ObjectId, bool>,
}

/// Every signature field and widget reachable from /AcroForm /Fields of `doc`
/// (widgets need not point back with /Parent), with whether its value is a document time-stamp.
fn signature_widgets(doc: &Document) -> HashMap<ObjectId, bool> {
    let mut out = HashMap::new();
    let Some(cat) = super::pdf::catalog(doc) else {
        return out;
    };
    let Some(acro) = super::pdf::get_dict(doc, cat, b"AcroForm") else {
        return out;
    };
    let Some(Object::Array(fields)) = super::pdf::get(doc, acro, b"Fields") else {
        return out;
    };
    let mut stack: Vec<(&Object, Option<&[u8]>, bool, usize)> =
        fields.iter().map(|f| (f, None, false, 0)).collect();
    let mut seen = HashSet::new();
    while let Some((f, ft, ts, depth)) = stack.pop() {
        if depth > 32 || seen.len() > 100_000 {
            break;
        }
        let id = match f {
            Object::Reference(id) => {
                if !seen.insert(*id) {
                    continue;
                }
                Some(*id)
            }
            _ => None,
        };
        let Some(d) = dict_of(resolve(doc, f)) else {
            continue;
        };
        let ft = get_name(doc, d, b"FT").or(ft);
        let ts = ts
            || d.get(b"V")
                .ok()
                .and_then(|v| dict_of(resolve(doc, v)))
                .is_some_and(
                    |v| matches!(v.get(b"Type"), Ok(Object::Name(n)) if n == b"DocTimeStamp"),
                );
        if ft == Some(b"Sig".as_slice())
            && let Some(id) = id
        {
            out.insert(id, ts);
        }
        if let Some(Object::Array(kids)) = super::pdf::get(doc, d, b"Kids") {
            stack.extend(kids.iter().map(|k| (k, ft, ts, depth + 1)));
        }
    }
    out
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> (&'a Object, Option<ObjectId>) {
    let mut cur = o;
    let mut last = None;
    for _ in 0..32 {
        match cur {
            Object::Reference(id) => {
                last = Some(*id);
                match doc.objects.get(id) {
                    Some(next) => cur = next,
                    None => return (&Object::Null, last),
                }
            }
            _ => return (cur, last),
        }
    }
    (&Object::Null, last)
}

fn dict_of(o: &Object) -> Option<&Dictionary> {
    match o {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

fn is_sig_value(d: &Dictionary) -> bool {
    d.has(b"ByteRange")
        || matches!(d.get(b"Type"), Ok(Object::Name(n)) if n == b"Sig" || n == b"DocTimeStamp")
}

fn is_page(d: &Dictionary) -> bool {
    matches!(d.get(b"Type"), Ok(Object::Name(n)) if n == b"Page")
}

fn is_field_or_widget(d: &Dictionary) -> bool {
    d.has(b"FT")
        || matches!(d.get(b"Subtype"), Ok(Object::Name(n)) if n == b"Widget")
        || (d.has(b"Parent") && d.has(b"T"))
}

/// Field type, looking up the /Parent chain.
fn field_type<'a>(doc: &'a Document, d: &'a Dictionary) -> Option<&'a [u8]> {
    let mut cur = d;
    for _ in 0..16 {
        if let Some(ft) = get_name(doc, cur, b"FT") {
            return Some(ft);
        }
        cur = dict_of(resolve(doc, cur.get(b"Parent").ok()?))?;
    }
    None
}

/// A field's /V (looking up the /Parent chain), as a dictionary.
fn field_value<'a>(doc: &'a Document, d: &'a Dictionary) -> Option<&'a Dictionary> {
    let mut cur = d;
    for _ in 0..16 {
        if let Ok(v) = cur.get(b"V") {
            return dict_of(resolve(doc, v));
        }
        cur = dict_of(resolve(doc, cur.get(b"Parent").ok()?))?;
    }
    None
}

fn same_num(x: &Object, y: &Object) -> Option<bool> {
    let f = |o: &Object| match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    };
    Some((f(x)? - f(y)?).abs() < 1e-6)
}

impl<'a> Walker<'a> {
    fn find(&mut self, cat: Cat, path: &str) {
        if self.out.findings.len() < 64 {
            self.out.findings.push(Finding {
                cat: if self.mdp == 1 { Cat::DocMdp } else { cat },
                path: path.to_owned(),
            });
        }
    }

    fn tick(&mut self) -> bool {
        self.steps += 1;
        if self.steps > self.max_steps {
            self.out.incomplete = true;
            return false;
        }
        true
    }

    /// Compare two values by resolved content.
    fn cmp(&mut self, oa: &'a Object, ob: &'a Object, cat: Cat, path: &str) {
        if !self.tick() {
            return;
        }
        let (va, ia) = deref(self.a, oa);
        let (vb, ib) = deref(self.b, ob);
        if let (Some(x), Some(y)) = (ia, ib)
            && !self.visited.insert((x, y))
        {
            return;
        }
        match (va, vb) {
            (Object::Dictionary(da), Object::Dictionary(db)) => self.dict(da, db, cat, path),
            (Object::Stream(sa), Object::Stream(sb)) => {
                self.dict(&sa.dict, &sb.dict, cat, path);
                if sa.content != sb.content {
                    self.find(cat, &format!("{path} (stream data)"));
                }
            }
            (Object::Array(xa), Object::Array(xb)) => {
                if xa.len() != xb.len() {
                    self.find(
                        cat,
                        &format!("{path} (array length {} -> {})", xa.len(), xb.len()),
                    );
                    return;
                }
                for (i, (x, y)) in xa.iter().zip(xb.iter()).enumerate() {
                    self.cmp(x, y, cat, &format!("{path}[{i}]"));
                }
            }
            (x, y) => {
                let equal = same_num(x, y).unwrap_or_else(|| x == y);
                if !equal {
                    self.find(cat, path);
                }
            }
        }
    }

    fn dict(&mut self, da: &'a Dictionary, db: &'a Dictionary, cat: Cat, path: &str) {
        if is_sig_value(da) {
            self.generic(da, db, Cat::SigDict, path, &[]);
        } else if is_page(da) {
            self.page(da, db, path);
        } else if is_field_or_widget(da) {
            self.field(da, db, cat, path);
        } else {
            self.generic(da, db, cat, path, &[]);
        }
    }

    fn generic(
        &mut self,
        da: &'a Dictionary,
        db: &'a Dictionary,
        cat: Cat,
        path: &str,
        skip: &[&[u8]],
    ) {
        let mut keys: Vec<&'a [u8]> = da.iter().map(|(k, _)| k.as_slice()).collect();
        for (k, _) in db.iter() {
            if !da.has(k) {
                keys.push(k.as_slice());
            }
        }
        for k in keys {
            if skip.contains(&k) {
                continue;
            }
            let p = format!("{path}/{}", String::from_utf8_lossy(k));
            let va = da.get(k).unwrap_or(&Object::Null);
            let vb = db.get(k).unwrap_or(&Object::Null);
            self.cmp(va, vb, cat, &p);
        }
    }

    fn catalog(&mut self, da: &'a Dictionary, db: &'a Dictionary) {
        let path = "/Root";
        self.generic(
            da,
            db,
            Cat::Catalog,
            path,
            &[
                b"AcroForm",
                b"DSS",
                b"Extensions",
                b"Metadata",
                b"Pages",
                b"Version",
            ],
        );
        let pa = da.get(b"Pages").unwrap_or(&Object::Null);
        let pb = db.get(b"Pages").unwrap_or(&Object::Null);
        self.cmp(pa, pb, Cat::Pages, "/Root/Pages");
        let fa = da
            .get(b"AcroForm")
            .map(|o| resolve(self.a, o))
            .unwrap_or(&Object::Null);
        let fb = db
            .get(b"AcroForm")
            .map(|o| resolve(self.b, o))
            .unwrap_or(&Object::Null);
        let empty = EMPTY.get_or_init(Dictionary::new);
        let fa = dict_of(fa).unwrap_or(empty);
        let fb = dict_of(fb).unwrap_or(empty);
        self.acroform(fa, fb);
    }

    fn acroform(&mut self, da: &'a Dictionary, db: &'a Dictionary) {
        let path = "/Root/AcroForm";
        self.generic(
            da,
            db,
            Cat::FormFields,
            path,
            &[b"Fields", b"SigFlags", b"DR", b"DA", b"NeedAppearances"],
        );
        let fa = da
            .get(b"Fields")
            .map(|o| resolve(self.a, o))
            .unwrap_or(&Object::Null);
        let fb = db
            .get(b"Fields")
            .map(|o| resolve(self.b, o))
            .unwrap_or(&Object::Null);
        let fa: &'a [Object] = match fa {
            Object::Array(x) => x,
            _ => &[],
        };
        let fb: &'a [Object] = match fb {
            Object::Array(x) => x,
            _ => &[],
        };
        self.list(fa, fb, Cat::FormFields, "/Root/AcroForm/Fields");
    }

    /// Compare two lists of fields or annotations: old entries must remain
    /// (matched by object number, else by position), new entries must be
    /// signature fields/widgets (or annotations under DocMDP P=3).
    fn list(&mut self, xa: &'a [Object], xb: &'a [Object], cat: Cat, path: &str) {
        let mut used = vec![false; xb.len()];
        for (i, a) in xa.iter().enumerate() {
            let pos = match a {
                Object::Reference(id) => xb
                    .iter()
                    .position(|b| matches!(b, Object::Reference(x) if x == id)),
                _ => (i < xb.len() && !used[i]).then_some(i),
            };
            match pos {
                Some(j) => {
                    used[j] = true;
                    self.cmp(a, &xb[j], cat, &format!("{path}[{i}]"));
                }
                None => self.find(cat, &format!("{path}[{i}] removed")),
            }
        }
        for (j, b) in xb.iter().enumerate() {
            if used[j] {
                continue;
            }
            let Some(d) = dict_of(resolve(self.b, b)) else {
                self.find(cat, &format!("{path}[{j}] added"));
                continue;
            };
            let known = match b {
                Object::Reference(id) => self.sig_widgets.get(id).copied(),
                _ => None,
            };
            let is_sig = known.is_some() || field_type(self.b, d) == Some(b"Sig".as_slice());
            let is_widget = matches!(d.get(b"Subtype"), Ok(Object::Name(n)) if n == b"Widget");
            let doc_ts = known == Some(true)
                || field_value(self.b, d).is_some_and(
                    |v| matches!(v.get(b"Type"), Ok(Object::Name(n)) if n == b"DocTimeStamp"),
                );
            // New signature fields/widgets: allowed from P=2; document time-stamps always.
            let allowed = if is_sig {
                doc_ts || self.mdp >= 2
            } else {
                self.mdp >= 3 && cat == Cat::Annotations && !is_widget
            };
            if !allowed {
                self.find(cat, &format!("{path}[{j}] added"));
            }
        }
    }

    fn page(&mut self, da: &'a Dictionary, db: &'a Dictionary, path: &str) {
        for key in [b"Contents".as_slice(), b"Resources"] {
            let va = da.get(key).unwrap_or(&Object::Null);
            let vb = db.get(key).unwrap_or(&Object::Null);
            self.cmp(
                va,
                vb,
                Cat::PageContent,
                &format!("{path}/{}", String::from_utf8_lossy(key)),
            );
        }
        self.generic(
            da,
            db,
            Cat::Pages,
            path,
            &[b"Contents", b"Resources", b"Annots"],
        );
        let aa = da
            .get(b"Annots")
            .map(|o| resolve(self.a, o))
            .unwrap_or(&Object::Null);
        let ab = db
            .get(b"Annots")
            .map(|o| resolve(self.b, o))
            .unwrap_or(&Object::Null);
        let aa: &'a [Object] = match aa {
            Object::Array(x) => x,
            _ => &[],
        };
        let ab: &'a [Object] = match ab {
            Object::Array(x) => x,
            _ => &[],
        };
        self.list(aa, ab, Cat::Annotations, &format!("{path}/Annots"));
    }

    fn field(&mut self, da: &'a Dictionary, db: &'a Dictionary, cat: Cat, path: &str) {
        let is_sig = field_type(self.a, da) == Some(b"Sig".as_slice());
        let mut skip: Vec<&[u8]> = vec![b"V", b"Kids"];
        if self.mdp >= 2 {
            // Appearance updates accompany form filling and signing.
            skip.push(b"AP");
            skip.push(b"AS");
        }
        self.generic(da, db, cat, path, &skip);
        let va = da
            .get(b"V")
            .ok()
            .filter(|v| !matches!(resolve(self.a, v), Object::Null));
        let vb = db
            .get(b"V")
            .ok()
            .filter(|v| !matches!(resolve(self.b, v), Object::Null));
        let vpath = format!("{path}/V");
        match (is_sig, va, vb) {
            (true, Some(x), Some(y)) => self.cmp(x, y, Cat::SigDict, &vpath),
            (true, Some(_), None) => self.find(Cat::SigDict, &format!("{vpath} removed")),
            (true, None, Some(y)) => {
                let doc_ts = dict_of(resolve(self.b, y)).is_some_and(
                    |v| matches!(v.get(b"Type"), Ok(Object::Name(n)) if n == b"DocTimeStamp"),
                );
                if self.mdp < 2 && !doc_ts {
                    self.find(Cat::DocMdp, &format!("{vpath} (signing an empty field)"));
                }
            }
            (true, None, None) => {}
            (false, x, y) => {
                if self.mdp < 2 {
                    let x = x.unwrap_or(&Object::Null);
                    let y = y.unwrap_or(&Object::Null);
                    self.cmp(x, y, Cat::FormFields, &vpath);
                }
            }
        }
        let ka = match da.get(b"Kids").map(|o| resolve(self.a, o)) {
            Ok(Object::Array(x)) => x.as_slice(),
            _ => &[],
        };
        let kb = match db.get(b"Kids").map(|o| resolve(self.b, o)) {
            Ok(Object::Array(x)) => x.as_slice(),
            _ => &[],
        };
        self.list(ka, kb, Cat::FormFields, &format!("{path}/Kids"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{Stream, dictionary};

    /// Catalog 1, Pages 2, Page 3, content 4, AcroForm 5 with signature field 6 (value 7).
    fn base() -> Document {
        let mut d = Document::with_version("1.7");
        d.objects.insert((1, 0), Object::Dictionary(dictionary! {
            "Type" => "Catalog", "Pages" => Object::Reference((2, 0)), "AcroForm" => Object::Reference((5, 0)),
        }));
        d.objects.insert(
            (2, 0),
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => vec![Object::Reference((3, 0))], "Count" => 1,
            }),
        );
        d.objects.insert((3, 0), Object::Dictionary(dictionary! {
            "Type" => "Page", "Parent" => Object::Reference((2, 0)), "Contents" => Object::Reference((4, 0)),
            "Annots" => vec![Object::Reference((6, 0))],
        }));
        d.objects.insert(
            (4, 0),
            Object::Stream(Stream::new(dictionary! {}, b"BT (original) Tj ET".to_vec())),
        );
        d.objects.insert(
            (5, 0),
            Object::Dictionary(dictionary! {
                "Fields" => vec![Object::Reference((6, 0))], "SigFlags" => 3,
            }),
        );
        d.objects.insert((6, 0), Object::Dictionary(dictionary! {
            "FT" => "Sig", "Type" => "Annot", "Subtype" => "Widget", "T" => Object::string_literal("Sig1"),
            "V" => Object::Reference((7, 0)), "P" => Object::Reference((3, 0)),
        }));
        d.objects.insert(
            (7, 0),
            Object::Dictionary(dictionary! {
                "Type" => "Sig", "ByteRange" => vec![0.into(), 1.into(), 2.into(), 3.into()],
                "Reason" => Object::string_literal("original"),
            }),
        );
        d.trailer.set("Root", Object::Reference((1, 0)));
        d
    }

    fn cats(a: &Document, b: &Document, mdp: u8) -> Vec<Cat> {
        let r = diff(a, b, mdp, 100_000);
        assert!(!r.incomplete);
        let mut c: Vec<Cat> = r.findings.iter().map(|f| f.cat).collect();
        c.dedup();
        c
    }

    #[test]
    fn identical_revisions_have_no_findings() {
        assert!(cats(&base(), &base(), 2).is_empty());
    }

    #[test]
    fn page_content_change_is_found() {
        let mut b = base();
        b.objects.insert(
            (4, 0),
            Object::Stream(Stream::new(dictionary! {}, b"BT (forged) Tj ET".to_vec())),
        );
        assert_eq!(cats(&base(), &b, 2), vec![Cat::PageContent]);
    }

    #[test]
    fn signature_dictionary_change_is_found() {
        let mut b = base();
        if let Some(Object::Dictionary(d)) = b.objects.get_mut(&(7, 0)) {
            d.set("Reason", Object::string_literal("forged"));
        }
        assert_eq!(cats(&base(), &b, 2), vec![Cat::SigDict]);
    }

    #[test]
    fn new_signature_field_is_allowed_but_not_under_p1() {
        let mut b = base();
        b.objects.insert((8, 0), Object::Dictionary(dictionary! {
            "FT" => "Sig", "Type" => "Annot", "Subtype" => "Widget", "T" => Object::string_literal("Sig2"),
            "V" => Object::Reference((9, 0)), "P" => Object::Reference((3, 0)),
        }));
        b.objects
            .insert((9, 0), Object::Dictionary(dictionary! { "Type" => "Sig" }));
        if let Some(Object::Dictionary(f)) = b.objects.get_mut(&(5, 0)) {
            f.set(
                "Fields",
                vec![Object::Reference((6, 0)), Object::Reference((8, 0))],
            );
        }
        if let Some(Object::Dictionary(p)) = b.objects.get_mut(&(3, 0)) {
            p.set(
                "Annots",
                vec![Object::Reference((6, 0)), Object::Reference((8, 0))],
            );
        }
        assert!(cats(&base(), &b, 2).is_empty());
        assert!(
            cats(&base(), &b, 1).iter().all(|c| *c == Cat::DocMdp)
                && !cats(&base(), &b, 1).is_empty()
        );
    }

    #[test]
    fn shared_object_changed_through_an_allowed_path_is_still_caught() {
        // The page's content stream is also (ab)used as the widget's appearance:
        // appearances may change, page content may not.
        let mut a = base();
        if let Some(Object::Dictionary(w)) = a.objects.get_mut(&(6, 0)) {
            w.set("AP", dictionary! { "N" => Object::Reference((4, 0)) });
        }
        let mut b = a.clone();
        b.objects.insert(
            (4, 0),
            Object::Stream(Stream::new(dictionary! {}, b"BT (forged) Tj ET".to_vec())),
        );
        assert_eq!(cats(&a, &b, 2), vec![Cat::PageContent]);
    }

    #[test]
    fn step_budget_marks_incomplete() {
        let r = diff(&base(), &base(), 2, 3);
        assert!(r.incomplete);
    }
}
