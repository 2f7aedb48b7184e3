//! The synthetic geography: the 16 centres, each 2020 municipality served by its nearest
//! centre (synthetic: real catchment areas differ), a synthetic population per municipality
//! and year, urban shares from density, and the performance factors that shape response
//! times by centre and place.

use akutt_model::municipality::{municipalities, Municipality};
use chrono::{Datelike, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use crate::params::*;

/// One dispatch centre of the register (`akutt_model::centre`), with what only the synthetic
/// world gives it; reads as the register's centre (`centre.code`, `centre.name`, …).
#[derive(Debug, Clone)]
pub struct Centre {
    register: &'static akutt_model::Centre,
    /// A synthetic 9-digit organisation number (`Helseforetak/institusjonsnummer`).
    pub org_number: String,
}

impl std::ops::Deref for Centre {
    type Target = akutt_model::Centre;

    fn deref(&self) -> &akutt_model::Centre {
        self.register
    }
}

/// The 16 centres, in register order.
pub fn centres() -> Vec<Centre> {
    akutt_model::centre::centres()
        .iter()
        .enumerate()
        .map(|(i, c)| Centre {
            register: c,
            org_number: format!("99{:07}", 1_000_000 + i * 37_117),
        })
        .collect()
}

/// The synthetic world's change of a centre's area (DOMAIN.md §8: centres' areas are data
/// with validity dates): from [`AREA_CHANGE_DATE`] the [`AREA_CHANGE_PLACES`] municipalities
/// of AMK Vestre Viken nearest AMK Oslo are served by AMK Oslo. Synthetic: no such change
/// took place; it gives the before/after analyses a case.
#[derive(Debug, Clone)]
pub struct AreaChange {
    pub date: NaiveDate,
    pub from: usize,
    pub to: usize,
    /// Indices into the world's places.
    pub places: Vec<usize>,
}

/// The first day of the synthetic area change.
pub const AREA_CHANGE_DATE: (i32, u32, u32) = (2025, 1, 1);
/// How many municipalities move.
pub const AREA_CHANGE_PLACES: usize = 3;

impl AreaChange {
    fn of(centres: &[Centre], places: &[Place], places_of_centre: &[Vec<usize>]) -> AreaChange {
        let (y, m, d) = AREA_CHANGE_DATE;
        let date = NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        let at = |code: &str| centres.iter().position(|c| c.code == code).unwrap_or(0);
        let (from, to) = (at("VVI"), at("OSL"));
        let list = municipalities();
        let target = (centres[to].lat, centres[to].lon);
        let mut moved: Vec<usize> = places_of_centre.get(from).cloned().unwrap_or_default();
        moved.sort_by(|&a, &b| {
            let (ma, mb) = (&list[places[a].municipality], &list[places[b].municipality]);
            distance_km((ma.lat, ma.lon), target).total_cmp(&distance_km((mb.lat, mb.lon), target))
        });
        moved.truncate(AREA_CHANGE_PLACES);
        AreaChange { date, from, to, places: moved }
    }
}

/// One municipality as the world sees it.
#[derive(Debug, Clone)]
pub struct Place {
    /// Index into [`municipalities()`].
    pub municipality: usize,
    /// Index into the world's centres.
    pub centre: usize,
    pub population_2020: f64,
    /// Share of incidents whose pick-up place is urban (tettbygd).
    pub urban_share: f64,
    /// Log-factor on rural response times (larger municipalities, longer drives).
    pub rural_log_factor: f64,
}

impl Place {
    pub fn number(&self) -> &'static str {
        &municipalities()[self.municipality].number
    }

    pub fn growth(&self) -> f64 {
        self.urban_share * POPULATION_GROWTH_URBAN
            + (1.0 - self.urban_share) * POPULATION_GROWTH_RURAL
    }

    /// Synthetic population in a year.
    pub fn population(&self, year: i32) -> f64 {
        self.population_2020 * (1.0 + self.growth()).powi(year - 2020)
    }
}

/// The synthetic world, fixed (not seeded): the seed varies the incidents, not the map.
#[derive(Debug, Clone)]
pub struct World {
    /// A known change to find (`Config::response_step`): from a date on, the red response
    /// times of a centre's incidents are scaled (the centre index, the date, the factor).
    pub response_step: Option<(usize, NaiveDate, f64)>,
    pub centres: Vec<Centre>,
    pub places: Vec<Place>,
    /// Per centre: indices into `places` (before [`World::area_change`]; on a date, see
    /// [`World::places_on`]).
    pub places_of_centre: Vec<Vec<usize>>,
    /// The one change of a centre's area in the synthetic world.
    pub area_change: AreaChange,
    /// Per centre: the place index of its hospital (the municipality nearest the centre).
    pub hospital_place: Vec<usize>,
    /// Per centre: log-factor on response times (visible differences between centres).
    pub centre_log_factor: Vec<f64>,
    /// Log standard deviation of red response times around the factors (urban, rural), so
    /// that the national mixture meets the targets of [`crate::params`].
    pub red_sigma: [f64; 2],
}

/// Rough 2020 sizes of the largest municipalities, so the population has a realistic shape;
/// every other municipality gets a synthetic size.
const LARGE: &[(&str, f64)] = &[
    ("0301", 693_000.0),
    ("4601", 284_000.0),
    ("5001", 205_000.0),
    ("1103", 144_000.0),
    ("3024", 128_000.0),
    ("4204", 112_000.0),
    ("3005", 101_000.0),
    ("3025", 94_000.0),
    ("3030", 86_000.0),
    ("3004", 82_000.0),
    ("1108", 80_000.0),
    ("5401", 77_000.0),
    ("1507", 66_000.0),
    ("3003", 57_000.0),
    ("3803", 56_000.0),
    ("1804", 52_000.0),
];

fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) =
        (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

impl World {
    pub fn new() -> World {
        let centres = centres();
        let list: &[Municipality] = municipalities();
        let mut rng = ChaCha8Rng::seed_from_u64(0x5EED_0FA4_0771);
        let size = Normal::new(8.4, 1.0).expect("valid normal");
        let mut places: Vec<Place> = list
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let centre = (0..centres.len())
                    .min_by(|&a, &b| {
                        let da = distance_km((m.lat, m.lon), (centres[a].lat, centres[a].lon));
                        let db = distance_km((m.lat, m.lon), (centres[b].lat, centres[b].lon));
                        da.total_cmp(&db)
                    })
                    .unwrap_or(0);
                let drawn: f64 = size.sample(&mut rng);
                let pop = LARGE
                    .iter()
                    .find(|(n, _)| *n == m.number)
                    .map_or(drawn.exp().clamp(200.0, 60_000.0), |(_, p)| *p);
                Place {
                    municipality: i,
                    centre,
                    population_2020: pop,
                    urban_share: 0.0,
                    rural_log_factor: 0.0,
                }
            })
            .collect();
        // Scale the synthetic sizes (not the pinned large ones) to the national total.
        let pinned: f64 = places
            .iter()
            .filter(|p| LARGE.iter().any(|(n, _)| *n == p.number()))
            .map(|p| p.population_2020)
            .sum();
        let free: f64 = places
            .iter()
            .filter(|p| !LARGE.iter().any(|(n, _)| *n == p.number()))
            .map(|p| p.population_2020)
            .sum();
        let k = (POPULATION_2020 - pinned) / free;
        for p in &mut places {
            if !LARGE.iter().any(|(n, _)| *n == p.number()) {
                p.population_2020 = (p.population_2020 * k).round().max(150.0);
            }
            let m = &list[p.municipality];
            let density = p.population_2020 / m.area_km2.max(1.0);
            p.urban_share = (0.22 + 0.16 * (density / 5.0).ln()).clamp(0.15, 0.97);
            p.rural_log_factor = (0.10 * (m.area_km2.max(10.0) / 600.0).ln()).clamp(-0.25, 0.3)
                + rng.random_range(-0.05..0.05);
        }
        // Normalise the rural factors: weighted by rural population, mean zero.
        let rural_w: f64 = places.iter().map(|p| p.population_2020 * (1.0 - p.urban_share)).sum();
        let mean: f64 = places
            .iter()
            .map(|p| p.population_2020 * (1.0 - p.urban_share) * p.rural_log_factor)
            .sum::<f64>()
            / rural_w;
        for p in &mut places {
            p.rural_log_factor -= mean;
        }

        let mut places_of_centre = vec![Vec::new(); centres.len()];
        for (i, p) in places.iter().enumerate() {
            places_of_centre[p.centre].push(i);
        }
        let hospital_place = centres
            .iter()
            .enumerate()
            .map(|(c, centre)| {
                places_of_centre[c]
                    .iter()
                    .copied()
                    .min_by(|&a, &b| {
                        let ma = &list[places[a].municipality];
                        let mb = &list[places[b].municipality];
                        distance_km((ma.lat, ma.lon), (centre.lat, centre.lon))
                            .total_cmp(&distance_km((mb.lat, mb.lon), (centre.lat, centre.lon)))
                    })
                    .unwrap_or(0)
            })
            .collect();

        // Centre factors: drawn once, then centred on the population-weighted mean.
        let spread = Normal::new(0.0, CENTRE_FACTOR_SD).expect("valid normal");
        let mut centre_log_factor: Vec<f64> =
            centres.iter().map(|_| spread.sample(&mut rng)).collect();
        let pop_of =
            |c: usize| places_of_centre[c].iter().map(|&i| places[i].population_2020).sum::<f64>();
        let total: f64 = (0..centres.len()).map(pop_of).sum();
        let mean: f64 =
            (0..centres.len()).map(|c| pop_of(c) * centre_log_factor[c]).sum::<f64>() / total;
        for f in &mut centre_log_factor {
            *f -= mean;
        }
        // The factors widen the national distribution: take their variance off the target.
        let var_centre: f64 =
            (0..centres.len()).map(|c| pop_of(c) * centre_log_factor[c].powi(2)).sum::<f64>()
                / total;
        let var_rural: f64 = places
            .iter()
            .map(|p| {
                p.population_2020
                    * (1.0 - p.urban_share)
                    * (p.rural_log_factor + centre_log_factor[p.centre]).powi(2)
            })
            .sum::<f64>()
            / rural_w;
        let z90 = 1.281_551_565_5;
        let target_urban = (RED_P90_URBAN_S / RED_MEDIAN_URBAN_S).ln() / z90;
        let target_rural = (RED_P90_RURAL_S / RED_MEDIAN_RURAL_S).ln() / z90;
        let red_sigma = [
            (target_urban.powi(2) - var_centre).max(0.01).sqrt(),
            (target_rural.powi(2) - var_rural).max(0.01).sqrt(),
        ];

        let area_change = AreaChange::of(&centres, &places, &places_of_centre);
        World {
            response_step: None,
            centres,
            places,
            places_of_centre,
            area_change,
            hospital_place,
            centre_log_factor,
            red_sigma,
        }
    }

    /// The places a centre serves on a date.
    pub fn places_on(&self, centre: usize, date: NaiveDate) -> Vec<usize> {
        let ch = &self.area_change;
        let mut out = self.places_of_centre[centre].clone();
        if date >= ch.date {
            if centre == ch.from {
                out.retain(|p| !ch.places.contains(p));
            }
            if centre == ch.to {
                out.extend(&ch.places);
            }
        }
        out
    }

    /// A centre's population on a date (its area then).
    pub fn centre_population_on(&self, centre: usize, date: NaiveDate) -> f64 {
        self.places_on(centre, date).iter().map(|&i| self.places[i].population(date.year())).sum()
    }

    pub fn centre_index(&self, code: &str) -> Option<usize> {
        self.centres.iter().position(|c| c.code.eq_ignore_ascii_case(code))
    }

    pub fn centre_population(&self, centre: usize, year: i32) -> f64 {
        self.places_of_centre[centre].iter().map(|&i| self.places[i].population(year)).sum()
    }

    pub fn national_population(&self, year: i32) -> f64 {
        self.places.iter().map(|p| p.population(year)).sum()
    }
}

impl Default for World {
    fn default() -> Self {
        World::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_centre_serves_places_and_the_total_is_national() {
        let w = World::new();
        assert_eq!(w.centres.len(), 16);
        assert!(w.places_of_centre.iter().all(|p| !p.is_empty()));
        let total = w.national_population(2020);
        assert!((total - POPULATION_2020).abs() / POPULATION_2020 < 0.01, "{total}");
        let oslo = w.places.iter().find(|p| p.number() == "0301").unwrap();
        assert_eq!(w.centres[oslo.centre].code, "OSL");
        assert!(oslo.urban_share > 0.9);
    }
}
