//! `with_*` methods for the public option types.
//!
//! The option types ([`EngineOptions`](crate::EngineOptions),
//! [`PluginOptions`](crate::plugin::PluginOptions), [`HostConfig`](crate::plugin::HostConfig),
//! [`Limits`](crate::plugin::Limits), [`EngineCallbacks`](crate::engine::EngineCallbacks),
//! [`PluginServices`](crate::plugin::PluginServices)) are `#[non_exhaustive]`, so a
//! field can be added without breaking anyone's build. Outside this crate they are
//! built from `default()`, then either through these methods or by assigning fields:
//!
//! ```
//! use conductor_core::plugin::{Limits, PluginOptions};
//! let options = PluginOptions::default()
//!     .with_name(Some("pads".into()))
//!     .with_limits(Limits::default().with_fuel(10_000_000));
//! assert_eq!(options.limits.fuel, 10_000_000);
//! ```

/// Writes one `with_<field>(value) -> Self` method per listed field of a struct.
macro_rules! with_methods {
    ($ty:ty { $($method:ident => $field:ident : $field_ty:ty),* $(,)? }) => {
        impl $ty {
            $(
                #[doc = concat!(
                    "Returns `self` with [`", stringify!($field), "`](Self::",
                    stringify!($field), ") set to `value`."
                )]
                #[must_use]
                pub fn $method(mut self, value: $field_ty) -> Self {
                    self.$field = value;
                    self
                }
            )*
        }
    };
}

pub(crate) use with_methods;
