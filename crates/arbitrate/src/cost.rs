//! Exact renumbering costs.

use std::fmt;
use std::ops::{Add, AddAssign};

/// A renumbering cost in thousandths of a unit (weight 1 × one use = 1000), so weights such as
/// `1.5` are exact and sums never depend on addition order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cost(pub u64);

impl Cost {
    /// No cost.
    pub const ZERO: Cost = Cost(0);

    /// Thousandths per unit.
    pub const SCALE: u64 = 1000;

    /// The cost as a floating-point number of units (for display and JSON).
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / Cost::SCALE as f64
    }

    /// True when the cost is a whole number of units.
    pub fn is_whole(self) -> bool {
        self.0.is_multiple_of(Cost::SCALE)
    }

    /// Whole units, rounded down.
    pub fn units(self) -> u64 {
        self.0 / Cost::SCALE
    }
}

impl Add for Cost {
    type Output = Cost;
    fn add(self, rhs: Cost) -> Cost {
        Cost(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for Cost {
    fn add_assign(&mut self, rhs: Cost) {
        *self = *self + rhs;
    }
}

impl std::iter::Sum for Cost {
    fn sum<I: Iterator<Item = Cost>>(iter: I) -> Cost {
        iter.fold(Cost::ZERO, |a, b| a + b)
    }
}

impl fmt::Display for Cost {
    /// `3` for whole units, `2.5` otherwise (trailing zeros dropped).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_whole() {
            write!(f, "{}", self.units())
        } else {
            let text = format!("{}.{:03}", self.units(), self.0 % Cost::SCALE);
            f.write_str(text.trim_end_matches('0'))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_trims() {
        assert_eq!(Cost(3000).to_string(), "3");
        assert_eq!(Cost(2500).to_string(), "2.5");
        assert_eq!(Cost(1).to_string(), "0.001");
        assert_eq!(
            [Cost(1500), Cost(500)].into_iter().sum::<Cost>(),
            Cost(2000)
        );
    }
}
