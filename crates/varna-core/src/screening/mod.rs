//! Screenings: conducting an instrument with a person, from draft to completed, with the tally.
