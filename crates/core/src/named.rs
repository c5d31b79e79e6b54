//! [`named_enum!`]: the one definition of the boilerplate every closed set of names in the
//! model needs (severities, conflict and divergence kinds, change kinds, statuses, strategies,
//! languages …): the list of every variant, the name used in files, reports and on the command
//! line, parsing that name back, and `Display`. Written once so that no enum's `ALL` can
//! forget a variant its `as_str` knows, and no `parse` can disagree with `as_str`.

/// Defines a field-less enum whose variants each have one fixed name, with:
/// - `ALL`: every variant, in declaration order;
/// - `as_str()`: the variant's name;
/// - `parse(text)`: the variant with exactly that name;
/// - `Display`, writing `as_str()`.
///
/// ```
/// isa_core::named_enum! {
///     /// A colour.
///     #[derive(Debug, Clone, Copy, PartialEq, Eq)]
///     pub enum Colour {
///         /// Red.
///         Red => "red",
///         /// Dark blue.
///         DarkBlue => "dark-blue",
///     }
/// }
/// assert_eq!(Colour::ALL, [Colour::Red, Colour::DarkBlue]);
/// assert_eq!(Colour::parse("dark-blue"), Some(Colour::DarkBlue));
/// assert_eq!(Colour::Red.to_string(), "red");
/// ```
#[macro_export]
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            /// The name used in files, reports and on the command line.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text ),+
                }
            }

            /// The variant named `text` (exactly as [`Self::as_str`] writes it).
            pub fn parse(text: &str) -> ::core::option::Option<$name> {
                match text {
                    $( $text => ::core::option::Option::Some($name::$variant), )+
                    _ => ::core::option::Option::None,
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::named_enum! {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum Sample {
            One => "one",
            TwoWords => "two-words",
        }
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for v in Sample::ALL {
            assert_eq!(Sample::parse(v.as_str()), Some(v));
            assert_eq!(v.to_string(), v.as_str());
        }
        assert_eq!(Sample::ALL.len(), 2);
        assert_eq!(
            Sample::parse("One"),
            None,
            "names are exact, not case-folded"
        );
        assert_eq!(Sample::parse(""), None);
    }
}
