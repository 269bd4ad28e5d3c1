//! The builtins' types as the checker sees them: overload lists and validators (with Go
//! expr's messages). Their names live in `syntax::builtins`.

use super::call::{Param, Sig};
use super::types::Type;

fn sig(params: &'static [Param], ret: Type) -> Sig {
    Sig { params, ret }
}

/// Overload lists (`Types`) of the builtins checked by signature; `None` for validated ones.
pub(crate) fn signatures(name: &str) -> Option<Vec<Sig>> {
    use Param::*;
    let s = Type::String;
    Some(match name {
        "type" | "string" | "toJSON" => vec![sig(&[Any], s)],
        "trim" => vec![sig(&[Str], s.clone()), sig(&[Str, Str], s)],
        "trimPrefix" | "trimSuffix" => vec![sig(&[Str, Str], s.clone()), sig(&[Str], s)],
        "upper" | "lower" | "toBase64" | "fromBase64" => vec![sig(&[Str], s)],
        "split" | "splitAfter" => {
            let t = Type::Slice(Box::new(Type::String));
            vec![sig(&[Str, Str], t.clone()), sig(&[Str, Str, Int], t)]
        }
        "replace" => vec![
            sig(&[Str, Str, Str, Int], s.clone()),
            sig(&[Str, Str, Str], s),
        ],
        "repeat" => vec![sig(&[Str, Int], s)],
        "join" => vec![
            sig(&[Strings, Str], s.clone()),
            sig(&[AnyArray, Str], s.clone()),
            sig(&[AnyArray], s.clone()),
            sig(&[Strings, Str], s.clone()),
            sig(&[Strings], s),
        ],
        "indexOf" | "lastIndexOf" => vec![sig(&[Str, Str], Type::Int)],
        "hasPrefix" | "hasSuffix" => vec![sig(&[Str, Str], Type::Bool)],
        "fromJSON" => vec![sig(&[Str], Type::Unknown)],
        "duration" => vec![sig(&[Str], Type::Duration)],
        "timezone" => vec![sig(&[Str], Type::Location)],
        "sort" => {
            let a = Type::any_array();
            vec![
                sig(&[AnyArray, Str], a.clone()),
                sig(&[Ints, Str], a.clone()),
                sig(&[Floats, Str], a.clone()),
                sig(&[Strings, Str], a.clone()),
                sig(&[AnyArray], a.clone()),
                sig(&[Floats], a.clone()),
                sig(&[Strings], a.clone()),
                sig(&[Ints], a),
            ]
        }
        "bitand" | "bitor" | "bitxor" | "bitnand" | "bitshl" | "bitshr" | "bitushr" => {
            vec![sig(&[Int, Int], Type::Int)]
        }
        "bitnot" => vec![sig(&[Int], Type::Int)],
        _ => return None,
    })
}

/// A validator's message, and the argument type it refused when it refused one.
pub(crate) type Refusal = (String, Option<Type>);

/// A type as Go's `reflect.Type` prints in validator messages: a nil nature has no type.
fn rname(t: &Type) -> String {
    if t.is_nil() {
        "<nil>".to_string()
    } else {
        t.to_string()
    }
}

fn count_is(args: &[Type], n: usize) -> Result<(), Refusal> {
    if args.len() != n {
        return Err((
            format!(
                "invalid number of arguments (expected {n}, got {})",
                args.len()
            ),
            None,
        ));
    }
    Ok(())
}

fn numeric(t: &Type) -> bool {
    t.is_number()
}

/// The `Validate` functions of the builtins that have one.
pub(crate) fn validate(name: &str, args: &[Type]) -> Result<Type, Refusal> {
    let first = args.first().cloned().unwrap_or(Type::Nil);
    let unknown = first.is_unknown();
    match name {
        "len" => {
            count_is(args, 1)?;
            if first.is_array() || first.is_map() || first.is_string() || unknown {
                return Ok(Type::Int);
            }
            Err((
                format!("invalid argument for len (type {})", rname(&first)),
                Some(first.clone()),
            ))
        }
        "abs" => {
            count_is(args, 1)?;
            if numeric(&first) || unknown {
                return Ok(first);
            }
            Err((
                format!("invalid argument for abs (type {})", rname(&first)),
                Some(first.clone()),
            ))
        }
        "ceil" | "floor" | "round" => {
            count_is(args, 1)?;
            if numeric(&first) || unknown {
                return Ok(Type::Float);
            }
            Err((
                format!("invalid argument for {name} (type {})", rname(&first)),
                Some(first.clone()),
            ))
        }
        "int" | "float" => {
            count_is(args, 1)?;
            if numeric(&first) || unknown || first.is_string() {
                return Ok(if name == "int" {
                    Type::Int
                } else {
                    Type::Float
                });
            }
            Err((
                format!("invalid argument for {name} (type {})", rname(&first)),
                Some(first.clone()),
            ))
        }
        "max" | "min" | "mean" | "median" => {
            if args.is_empty() {
                return Err((format!("not enough arguments to call {name}"), None));
            }
            for a in args {
                if a.is_unknown() || a.is_array() {
                    return Ok(Type::Unknown);
                }
                if !numeric(a) {
                    return Err((
                        format!("invalid argument for {name} (type {})", rname(a)),
                        Some(a.clone()),
                    ));
                }
            }
            Ok(first)
        }
        "now" => {
            if args.is_empty() || (args.len() == 1 && first == Type::Location) {
                return Ok(Type::Time);
            }
            Err((
                format!(
                    "invalid number of arguments (expected 0, got {})",
                    args.len()
                ),
                None,
            ))
        }
        "date" => {
            if args.is_empty() {
                return Err((
                    "invalid number of arguments (expected at least 1, got 0)".into(),
                    None,
                ));
            }
            let rest = if first == Type::Location {
                args.len() - 1
            } else {
                args.len()
            };
            if rest > 3 {
                return Err((
                    format!("invalid number of arguments (expected at most 3, got {rest})"),
                    None,
                ));
            }
            Ok(Type::Time)
        }
        "first" | "last" => {
            count_is(args, 1)?;
            if unknown {
                return Ok(Type::Unknown);
            }
            if first.is_array() {
                return Ok(first.elem());
            }
            Err((
                format!("cannot get {name} element from {}", rname(&first)),
                Some(first.clone()),
            ))
        }
        "take" => {
            count_is(args, 2)?;
            if !unknown && !first.is_array() {
                return Err((
                    format!("cannot take from {}", rname(&first)),
                    Some(first.clone()),
                ));
            }
            let n = &args[1];
            if !n.is_unknown() && !n.is_integer() {
                return Err((
                    format!("cannot take {} elements", rname(n)),
                    Some(n.clone()),
                ));
            }
            Ok(first)
        }
        "keys" | "values" => {
            count_is(args, 1)?;
            if unknown || first.is_map() {
                return Ok(Type::any_array());
            }
            Err((
                format!("cannot get {name} from {}", rname(&first)),
                Some(first.clone()),
            ))
        }
        "toPairs" => {
            count_is(args, 1)?;
            if unknown || first.is_map() {
                return Ok(Type::any_array());
            }
            Err((
                format!("cannot transform {} to pairs", rname(&first)),
                Some(first.clone()),
            ))
        }
        "fromPairs" => {
            count_is(args, 1)?;
            if unknown || first.is_array() {
                return Ok(Type::Map);
            }
            Err((
                format!("cannot transform {} from pairs", rname(&first)),
                Some(first.clone()),
            ))
        }
        "reverse" | "uniq" | "flatten" => {
            count_is(args, 1)?;
            if unknown || first.is_array() {
                return Ok(Type::any_array());
            }
            Err((
                format!("cannot {name} {}", rname(&first)),
                Some(first.clone()),
            ))
        }
        "concat" => {
            if args.is_empty() {
                return Err((
                    "invalid number of arguments (expected at least 1, got 0)".into(),
                    None,
                ));
            }
            for a in args {
                if !a.is_unknown() && !a.is_array() {
                    return Err((format!("cannot concat {}", rname(a)), Some(a.clone())));
                }
            }
            Ok(Type::any_array())
        }
        _ => Err((format!("unknown builtin {name}"), None)),
    }
}
