//! The calibration parameters of the synthetic world, in one place (documented with their
//! sources in `docs/SYNTH.md`; the reference figures are DOMAIN.md §10).

/// Incidents per year at scale 1.0 in the reference year (§10: ~852,000 incidents in 2013,
/// growing since).
pub const INCIDENTS_PER_YEAR: f64 = 900_000.0;
/// Yearly growth of activity (§10: missions 738,300 in 2020, 789,000 in 2021).
pub const ACTIVITY_GROWTH_PER_YEAR: f64 = 0.015;
/// The year the calibration targets refer to; trends are relative to it.
pub const REFERENCE_YEAR: i32 = 2024;

/// Share of incidents that are pre-booked transports (§10: "about half of the activity").
pub const SHARE_PREBOOKED: f64 = 0.40;
/// Among the other (acute) incidents: misdials (`FEIL`).
pub const SHARE_MISDIAL: f64 = 0.03;
/// Among acute incidents: out-of-hours (LV) line incidents with an ambulance.
pub const SHARE_LV_AMBULANCE: f64 = 0.05;
/// Among acute incidents: incidents with an ambulance (not LV line).
pub const SHARE_AMBULANCE: f64 = 0.52;
/// Urgency mix of acute ambulance incidents (R, G, N).
pub const URGENCY_AMBULANCE: [f64; 3] = [0.55, 0.30, 0.15];
/// Urgency mix of advice-only incidents (R, G, N).
pub const URGENCY_ADVICE: [f64; 3] = [0.0, 0.2, 0.8];

/// Red incidents: response time (contact to first road ambulance at scene), lognormal,
/// median in seconds and the 90th percentile, urban and rural (§10: 2020 municipal medians
/// 9.7/15.1 min; 2013 p90 18.7/31.1 min).
pub const RED_MEDIAN_URBAN_S: f64 = 600.0;
pub const RED_P90_URBAN_S: f64 = 19.0 * 60.0;
pub const RED_MEDIAN_RURAL_S: f64 = 900.0;
pub const RED_P90_RURAL_S: f64 = 31.0 * 60.0;
/// Urban draws are stretched by this much: a second ambulance sometimes arrives before
/// the first, which shortens the observed response (measured: −3.5 % on the median).
pub const URBAN_SECOND_ARRIVAL_COMPENSATION: f64 = 1.035;
/// Slow trend of response times: multiplicative change per year from the reference year.
pub const RESPONSE_TREND_PER_YEAR: f64 = 0.01;
/// Spread (standard deviation of the log) of the per-centre performance factor.
pub const CENTRE_FACTOR_SD: f64 = 0.07;

/// AMK reaction time (contact to first alert), lognormal medians (s) by urgency (R, G, N)
/// and the log standard deviation.
pub const REACTION_MEDIAN_S: [f64; 3] = [95.0, 420.0, 1500.0];
pub const REACTION_SIGMA: [f64; 3] = [0.55, 0.9, 1.0];

/// Share of red ambulance incidents with a second road ambulance for the same patient.
pub const SHARE_SECOND_AMBULANCE: f64 = 0.08;
/// Share of red rural incidents that also get an air ambulance, and that get only one.
pub const SHARE_AIR_WITH_ROAD: f64 = 0.18;
pub const SHARE_AIR_ONLY: f64 = 0.05;
/// Share of rural pre-booked transports flown (fixed-wing ambulance).
pub const SHARE_PREBOOKED_AIR_RURAL: f64 = 0.10;
/// Share of acute ambulance incidents with several patients (2 or 3).
pub const SHARE_SEVERAL_PATIENTS: f64 = 0.03;
/// Share of missions served by a borrowed unit (`Ukjent ambulanse`).
pub const SHARE_BORROWED: f64 = 0.015;
/// Share of ambulance incidents with an extra ambulance ordered and cancelled before alert.
pub const SHARE_CANCELLED_ORDER: f64 = 0.01;
/// Share of acute missions that return without a patient (half of them before arrival).
pub const SHARE_RETURN: f64 = 0.03;
/// Share of pre-booked transports done in two stages (two missions).
pub const SHARE_STAGED: f64 = 0.05;
/// Share of red incidents with a second caller (a second contact).
pub const SHARE_SECOND_CONTACT: f64 = 0.08;
/// Share of patients with a (synthetic, check-digit valid) fødselsnummer.
pub const SHARE_FNR: f64 = 0.4;

/// Relative intensity of acute contacts by hour of day (local time).
pub const HOURLY_ACUTE: [f64; 24] = [
    2.6, 2.2, 1.9, 1.7, 1.6, 1.7, 2.2, 3.2, 4.3, 5.0, 5.3, 5.4, 5.3, 5.2, 5.1, 5.1, 5.2, 5.3, 5.2,
    5.0, 4.6, 4.1, 3.6, 3.0,
];
/// Relative intensity of bookings of pre-booked transports by hour (office hours).
pub const HOURLY_BOOKING: [f64; 24] = [
    0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 2.0, 5.0, 6.0, 6.0, 5.5, 5.0, 5.0, 4.5, 3.0, 1.5, 0.8, 0.5,
    0.4, 0.3, 0.2, 0.2, 0.1,
];
/// Weekday factors, Monday first.
pub const WEEKDAY_ACUTE: [f64; 7] = [0.97, 0.96, 0.96, 0.97, 1.02, 1.07, 1.05];
pub const WEEKDAY_PREBOOKED: [f64; 7] = [1.2, 1.2, 1.2, 1.2, 1.2, 0.55, 0.45];
/// Seasonal amplitude of acute activity (winter peak) and the summer dip of pre-booked
/// transports.
pub const SEASON_ACUTE_AMPLITUDE: f64 = 0.08;
pub const SUMMER_DIP_PREBOOKED: f64 = 0.25;

/// Total synthetic population in 2020 and its yearly growth (urban and rural places).
pub const POPULATION_2020: f64 = 5_367_580.0;
pub const POPULATION_GROWTH_URBAN: f64 = 0.008;
pub const POPULATION_GROWTH_RURAL: f64 = -0.002;
