//! Static types as Go expr's checker sees them ("natures"). Argo builds the environment from
//! the runtime value of `result`, so its static type is the value's Go type (semantics §5.2).

use std::fmt;

use crate::value::Value;

/// A static type. `Unknown` is Go's `interface {}`: anything compiles against it and
/// mismatches surface at run time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    /// `interface {}` (members of JSON maps and lists, results of untyped builtins).
    Unknown,
    /// The type of a nil `result` (and of the literal `nil`).
    Nil,
    /// Go `bool`.
    Bool,
    /// Go `int` (and the other integer types, which expr treats alike).
    Int,
    /// `int64`, only as the result of `asInt`: behaves like `Int`, named differently.
    Int64,
    /// Go `float64`.
    Float,
    /// Go `string`.
    String,
    /// `time.Time`.
    Time,
    /// `time.Duration`.
    Duration,
    /// `*time.Location` (from `timezone()`).
    Location,
    /// A typed Go slice: `[]float64` (Prometheus vectors), `[]string` (`split`), `[]int`.
    Slice(Box<Type>),
    /// `[]interface {}` whose elements are known to have this type (`Unknown` when not).
    Array(Box<Type>),
    /// `map[string]interface {}`.
    Map,
    /// A function value (an environment helper named without calling it).
    Func(&'static str),
}

impl Type {
    /// The runtime Go type of a result, which Argo's strict environment uses as its static type.
    pub fn of(v: &Value) -> Type {
        match v {
            Value::Nil => Type::Nil,
            Value::Bool(_) => Type::Bool,
            Value::Int(_) => Type::Int,
            Value::Float(_) => Type::Float,
            Value::String(_) => Type::String,
            Value::Floats(_) => Type::Slice(Box::new(Type::Float)),
            Value::List(_) => Type::Array(Box::new(Type::Unknown)),
            Value::Map(_) => Type::Map,
            Value::Time(_) => Type::Time,
            Value::Duration(_) => Type::Duration,
        }
    }

    /// `[]float64`, the type of a Prometheus vector result.
    pub fn floats() -> Type {
        Type::Slice(Box::new(Type::Float))
    }

    pub(crate) fn any_array() -> Type {
        Type::Array(Box::new(Type::Unknown))
    }

    pub(crate) fn is_unknown(&self) -> bool {
        matches!(self, Type::Unknown)
    }

    pub(crate) fn is_integer(&self) -> bool {
        matches!(self, Type::Int | Type::Int64)
    }

    pub(crate) fn is_float(&self) -> bool {
        matches!(self, Type::Float)
    }

    pub(crate) fn is_number(&self) -> bool {
        self.is_integer() || self.is_float()
    }

    pub(crate) fn is_string(&self) -> bool {
        matches!(self, Type::String)
    }

    pub(crate) fn is_bool(&self) -> bool {
        matches!(self, Type::Bool)
    }

    pub(crate) fn is_array(&self) -> bool {
        matches!(self, Type::Slice(_) | Type::Array(_))
    }

    pub(crate) fn is_map(&self) -> bool {
        matches!(self, Type::Map)
    }

    pub(crate) fn is_nil(&self) -> bool {
        matches!(self, Type::Nil)
    }

    /// Element type of arrays; maps' values are `interface {}`.
    pub(crate) fn elem(&self) -> Type {
        match self {
            Type::Slice(t) | Type::Array(t) => (**t).clone(),
            _ => Type::Unknown,
        }
    }

    /// Go's reflect kind, for checks that compare kinds rather than types.
    pub(crate) fn kind(&self) -> u8 {
        match self {
            Type::Unknown => 0,
            Type::Nil => 1,
            Type::Bool => 2,
            Type::Int | Type::Int64 => 3,
            Type::Float => 4,
            Type::String => 5,
            Type::Time => 6,
            Type::Duration => 3,
            Type::Location => 7,
            Type::Slice(_) | Type::Array(_) => 8,
            Type::Map => 9,
            Type::Func(_) => 10,
        }
    }

    /// Go's `AssignableTo` on natures.
    pub(crate) fn assignable_to(&self, to: &Type) -> bool {
        if self.is_nil() {
            return matches!(
                to,
                Type::Unknown | Type::Map | Type::Slice(_) | Type::Array(_) | Type::Func(_)
            );
        }
        match to {
            Type::Unknown => true,
            Type::Nil => false,
            Type::Array(_) => matches!(self, Type::Array(_)),
            _ => self == to,
        }
    }

    /// Go expr's `ComparableTo`: when `==` type-checks.
    pub(crate) fn comparable_to(&self, r: &Type) -> bool {
        self.is_unknown()
            || r.is_unknown()
            || self.is_nil()
            || r.is_nil()
            || (self.is_number() && r.is_number())
            || (*self == Type::Duration && *r == Type::Duration)
            || (*self == Type::Time && *r == Type::Time)
            || (self.is_array() && r.is_array())
            || self.assignable_to(r)
    }
}

impl fmt::Display for Type {
    /// Go's type names as expr's messages print them (a nil nature prints `unknown`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Unknown => f.write_str("interface {}"),
            Type::Nil => f.write_str("unknown"),
            Type::Bool => f.write_str("bool"),
            Type::Int => f.write_str("int"),
            Type::Int64 => f.write_str("int64"),
            Type::Float => f.write_str("float64"),
            Type::String => f.write_str("string"),
            Type::Time => f.write_str("time.Time"),
            Type::Duration => f.write_str("time.Duration"),
            Type::Location => f.write_str("*time.Location"),
            Type::Slice(t) => write!(f, "[]{t}"),
            Type::Array(_) => f.write_str("[]interface {}"),
            Type::Map => f.write_str("map[string]interface {}"),
            Type::Func(sig) => f.write_str(sig),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_types_follow_the_runtime_value() {
        assert_eq!(Type::of(&Value::Float(1.0)).to_string(), "float64");
        assert_eq!(Type::of(&Value::from(vec![1.0])).to_string(), "[]float64");
        assert_eq!(
            Type::of(&Value::list(vec![Value::Nil])).to_string(),
            "[]interface {}"
        );
        assert_eq!(
            Type::of(&Value::map(Default::default())).to_string(),
            "map[string]interface {}"
        );
        assert_eq!(Type::of(&Value::Nil), Type::Nil);
        assert_eq!(Type::of(&Value::from("x")).to_string(), "string");
        assert_eq!(Type::of(&Value::Bool(true)).to_string(), "bool");
    }

    #[test]
    fn comparability() {
        assert!(Type::Int.comparable_to(&Type::Float));
        assert!(!Type::Float.comparable_to(&Type::String));
        assert!(Type::Nil.comparable_to(&Type::Float));
        assert!(Type::floats().comparable_to(&Type::any_array()));
        assert!(Type::Unknown.comparable_to(&Type::Bool));
    }
}
