//! Property tests for 14-bit pairing: any value sent as MSB then LSB comes back whole,
//! on its channel and controller, whatever other controllers and channels interleave;
//! any NRPN/RPN parameter set by data entry comes back with its number and value.

use conductor_core::midi::{Cc14, Cc14Pairing, MidiMessage, ParameterChange, ParameterNumbers};
use proptest::prelude::*;

fn cc(channel: u8, controller: u8, value: u8) -> MidiMessage {
    MidiMessage::ControlChange {
        channel,
        controller,
        value,
    }
}

proptest! {
    #[test]
    fn msb_then_lsb_gives_the_value_back(
        channel in 0u8..16,
        controller in 0u8..32,
        value in 0u16..16384,
        other_channel in 0u8..16,
        other_controller in 0u8..32,
        noise in 0u8..128,
    ) {
        let mut pairs = Cc14Pairing::new();
        prop_assert_eq!(pairs.feed(&cc(channel, controller, (value >> 7) as u8)), None);
        // Another pair's MSB in between changes nothing for this one.
        if (other_channel, other_controller) != (channel, controller) {
            prop_assert_eq!(pairs.feed(&cc(other_channel, other_controller, noise)), None);
        }
        let got = pairs.feed(&cc(channel, controller + 32, (value & 0x7F) as u8));
        prop_assert_eq!(got, Some(Cc14 { channel, controller, value }));
    }

    #[test]
    fn an_lsb_without_its_msb_completes_nothing(channel in 0u8..16, controller in 32u8..64, v in 0u8..128) {
        prop_assert_eq!(Cc14Pairing::new().feed(&cc(channel, controller, v)), None);
    }

    #[test]
    fn data_entry_sets_the_selected_parameter(
        channel in 0u8..16,
        registered in any::<bool>(),
        parameter in 0u16..16383,
        value in 0u16..16384,
    ) {
        // RPN 127/127 is the null parameter; leave it out here.
        prop_assume!(!(registered && parameter == 16383));
        let (msb_cc, lsb_cc) = if registered { (101, 100) } else { (99, 98) };
        let mut params = ParameterNumbers::new();
        prop_assert_eq!(params.feed(&cc(channel, msb_cc, (parameter >> 7) as u8)), None);
        prop_assert_eq!(params.feed(&cc(channel, lsb_cc, (parameter & 0x7F) as u8)), None);
        let coarse = params.feed(&cc(channel, 6, (value >> 7) as u8));
        prop_assert_eq!(coarse, Some(ParameterChange {
            channel, registered, parameter, value: value & !0x7F,
        }));
        let fine = params.feed(&cc(channel, 38, (value & 0x7F) as u8));
        prop_assert_eq!(fine, Some(ParameterChange { channel, registered, parameter, value }));
    }
}

#[test]
fn data_entry_without_a_selected_parameter_sets_nothing() {
    let mut params = ParameterNumbers::new();
    assert_eq!(params.feed(&cc(0, 6, 10)), None);
    assert_eq!(params.feed(&cc(0, 38, 10)), None);
    // Half a parameter number is not enough either.
    assert_eq!(params.feed(&cc(0, 99, 1)), None);
    assert_eq!(params.feed(&cc(0, 6, 10)), None);
}
