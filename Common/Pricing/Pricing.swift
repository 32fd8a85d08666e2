public import Foundation

/// Prices a session under an OCPI 2.2.1 tariff: a pure function, the same for a live session, a finished one and a
/// partner's CDR. The README's "Pricing and reports" says where OCPI is ambiguous and what is chosen here.
///
/// - Each period is split where an element could start or stop applying (a time of day, midnight, a clock change, a
///   session duration, an energy so far), its volumes shared pro rata, as if they accrued evenly. So a tariff that
///   changes at 17:00 prices a period from 16:30 to 17:30 half at each price, and splitting a period in two never
///   changes the cost.
/// - In each piece, per dimension, the first element that has a component of it and whose restrictions all hold
///   (at the piece's start, on the site's wall clock) prices it; FLAT is billed once, in the first piece it applies.
/// - `step_size` is applied once per session: the total energy is rounded up with the last energy component's step,
///   the surplus billed in the last energy piece at its price; the same for parking time; charging time only when
///   the session has no priced parking (OCPI: when both are used, only parking is rounded).
/// - `min_price` and `max_price` bound the total (excluding and including VAT); the dimension totals stay as billed.
public enum Pricing {
    /// The cost of `session` under `tariff`, its wall-clock restrictions read in `timeZone`, its money rounded by
    /// `rounding` (once, from the exact sums) and its volumes to four decimals (or finer, with `rounding`).
    public static func price(
        _ tariff: Tariff, session: PricingSession, timeZone: TimeZone, rounding: MoneyRounding
    ) throws(PricingError) -> SessionCost {
        let rules = try PricingRules(tariff)
        var pricer = try Pricer(rules: rules, session: session, timeZone: timeZone)
        pricer.split(session)
        guard pricer.pieces.count <= Pricer.maxPieces else {
            throw PricingError(
                "charging_periods", "the session splits into more than \(Pricer.maxPieces) priced pieces; price it in parts")
        }
        pricer.chooseElements()
        pricer.applyStepSizes()
        return pricer.cost(currency: tariff.currency, rounding: rounding)
    }

    /// Checks that `tariff` can be priced (what ``price(_:session:timeZone:rounding:)`` checks of it first).
    public static func check(_ tariff: Tariff) throws(PricingError) {
        _ = try PricingRules(tariff)
    }
}

/// One session being priced; ``Pricing/price(_:session:timeZone:rounding:)`` drives it step by step.
struct Pricer {
    /// A piece of a charging period within which no restriction changes.
    struct Piece {
        var start: Int64
        var end: Int64
        /// kWh, hours, hours.
        var energy: ExactDecimal
        var charging: ExactDecimal
        var parking: ExactDecimal
        /// The energy charged in the session before this piece.
        var energyBefore: ExactDecimal
        var period: Int
        /// The element pricing each ``PricingRules/Dimension``, -1 for none.
        var elements: SIMD4<Int32> = SIMD4(repeating: -1)
        /// What each dimension bills (step rounding included), in kWh, hours, hours and sessions.
        var billed = Billed()
    }

    /// One amount per ``PricingRules/Dimension``, without an array's allocation.
    struct Billed {
        var energy = ExactDecimal.zero
        var time = ExactDecimal.zero
        var parking = ExactDecimal.zero
        var flat = ExactDecimal.zero

        subscript(slot: Int) -> ExactDecimal {
            get {
                switch slot {
                case 0: energy
                case 1: time
                case 2: parking
                default: flat
                }
            }
            set {
                switch slot {
                case 0: energy = newValue
                case 1: time = newValue
                case 2: parking = newValue
                default: flat = newValue
                }
            }
        }
    }

    /// What the restrictions on power and current compare with, per period.
    struct Readings {
        var minPower: ExactDecimal?
        var maxPower: ExactDecimal?
        var minCurrent: ExactDecimal?
        var maxCurrent: ExactDecimal?
    }

    /// The most pieces a session is priced in (a year of a tariff that changes every few minutes).
    static let maxPieces = 50_000

    let rules: PricingRules
    let start: Int64
    let end: Int64
    let clock: LocalClock
    let periodStarts: [Int64]
    var readings: [Readings] = []
    var pieces: [Piece] = []
    /// Instants inside the session where a piece must end, in order.
    var boundaries: [Int64] = []

    init(rules: PricingRules, session: PricingSession, timeZone: TimeZone) throws(PricingError) {
        self.rules = rules
        start = LocalClock.milliseconds(session.startDateTime)
        end = LocalClock.milliseconds(session.endDateTime)
        guard end >= start else { throw PricingError("end_date_time", "is before start_date_time") }
        guard end - start <= 366 * 86_400_000 else { throw PricingError("end_date_time", "a session lasts at most a year") }
        guard !session.chargingPeriods.isEmpty else { throw PricingError("charging_periods", "at least one period") }
        guard session.chargingPeriods.count <= Self.maxPieces else {
            throw PricingError("charging_periods", "at most \(Self.maxPieces) periods")
        }
        var starts: [Int64] = []
        starts.reserveCapacity(session.chargingPeriods.count)
        for (index, period) in session.chargingPeriods.enumerated() {
            let path = { "charging_periods[\(index)]" }
            let instant = LocalClock.milliseconds(period.startDateTime)
            guard instant >= start, instant <= end else {
                throw PricingError("\(path()).start_date_time", "is outside the session's start and end")
            }
            if let previous = starts.last, instant <= previous {
                throw PricingError("\(path()).start_date_time", "must be after the previous period's")
            }
            var seen: UInt32 = 0
            for (position, dimension) in period.dimensions.enumerated() {
                let bit: UInt32 = 1 << UInt32(dimension.type.index)
                guard seen & bit == 0 else {
                    throw PricingError("\(path()).dimensions[\(position)]", "\(dimension.type.rawValue) is given twice")
                }
                seen |= bit
                try PricingRules.check(
                    dimension.volume, at: "\(path()).dimensions[\(position)].volume", allowNegative: false)
            }
            starts.append(instant)
        }
        periodStarts = starts
        clock = LocalClock(timeZone: timeZone, from: start, to: end)
        boundaries = Self.boundaries(rules: rules, clock: clock, from: start, to: end)
    }

    private static func boundaries(rules: PricingRules, clock: LocalClock, from start: Int64, to end: Int64) -> [Int64] {
        var found: [Int64] = rules.durationBoundaries.map { start + $0 }
        if !rules.wallClockMinutes.isEmpty {
            found += clock.transitions
            // A clock change can move the wall clock back across midnight: the end's local day may be the earlier.
            let first = clock.local(start).day
            let last = clock.local(end).day
            for day in min(first, last) - 1...max(first, last) + 1 {
                for minute in rules.wallClockMinutes {
                    found += clock.instants(showing: day * 86_400 + Int64(minute) * 60)
                }
            }
        }
        return Set(found.filter { $0 > start && $0 < end }).sorted()
    }

    /// Cuts the periods into pieces at every boundary and energy threshold.
    mutating func split(_ session: PricingSession) {
        pieces.reserveCapacity(session.chargingPeriods.count + boundaries.count)
        readings.reserveCapacity(session.chargingPeriods.count)
        var next = boundaries.startIndex
        var energySoFar = ExactDecimal.zero
        for (index, period) in session.chargingPeriods.enumerated() {
            let periodStart = periodStarts[index]
            let periodEnd = index + 1 < periodStarts.count ? periodStarts[index + 1] : end
            let energy = period.volume(.energy) ?? period.volume(.energyImport) ?? .zero
            let parking = period.volume(.parkingTime)
            // A period that reports neither charging nor parking time charges for as long as it lasts.
            let charging =
                period.volume(.time)
                ?? (parking == nil && period.volume(.reservationTime) == nil
                    ? ExactDecimal(periodEnd - periodStart, over: 3_600_000) : .zero)
            readings.append(Self.readings(of: period, energy: energy, milliseconds: periodEnd - periodStart))
            var remainder = Piece(
                start: periodStart, end: periodEnd, energy: energy, charging: charging, parking: parking ?? .zero,
                energyBefore: .zero, period: index)
            while next < boundaries.endIndex && boundaries[next] <= periodStart { next += 1 }
            while next < boundaries.endIndex && boundaries[next] < periodEnd {
                let cut = boundaries[next]
                let part = remainder.share(until: cut)
                addSplittingEnergy(part, energySoFar: &energySoFar)
                remainder = remainder.removing(part)
                next += 1
            }
            addSplittingEnergy(remainder, energySoFar: &energySoFar)
        }
    }

    private static func readings(of period: ChargingPeriod, energy: ExactDecimal, milliseconds: Int64) -> Readings {
        let average = period.volume(.power)
        // Without a reported power, the average over the period, if it charged at all.
        let derived = energy.isZero || milliseconds <= 0 ? nil : energy.scaled(by: 3_600_000, over: milliseconds)
        return Readings(
            minPower: period.volume(.minPower) ?? average ?? derived,
            maxPower: period.volume(.maxPower) ?? average ?? derived,
            minCurrent: period.volume(.minCurrent) ?? period.volume(.current),
            maxCurrent: period.volume(.maxCurrent) ?? period.volume(.current))
    }

    /// Adds a piece, cut again where the session's energy crosses a threshold some element starts or stops at.
    private mutating func addSplittingEnergy(_ piece: Piece, energySoFar: inout ExactDecimal) {
        var piece = piece
        piece.energyBefore = energySoFar
        let after = energySoFar + piece.energy
        for threshold in rules.energyBoundaries where threshold > energySoFar && threshold < after {
            let share = (threshold - piece.energyBefore).divided(by: piece.energy)
            let instant =
                piece.start
                + Int64(
                    ((ExactDecimal(Int(piece.end - piece.start)) * share).rounded(
                        toFractionDigits: 0, .halfEven)).units / ExactDecimal.one.units)
            var part = piece
            part.end = instant
            part.energy = threshold - piece.energyBefore
            part.charging = piece.charging * share
            part.parking = piece.parking * share
            pieces.append(part)
            piece = piece.removing(part)
            piece.energyBefore = threshold
        }
        energySoFar = after
        pieces.append(piece)
    }

    /// Picks, for each piece and dimension, the first element with a component of it whose restrictions hold.
    mutating func chooseElements() {
        var flatBilled = false
        for index in pieces.indices {
            let start = pieces[index].start
            let energyBefore = pieces[index].energyBefore
            let local = rules.wallClockMinutes.isEmpty ? nil : clock.local(start)
            let reading = readings[pieces[index].period]
            var chosen = SIMD4<Int32>(repeating: -1)
            var open: UInt8 = 0b1111  // the dimensions still without an element
            for (position, element) in rules.elements.enumerated() where open != 0 {
                let wanted = element.dimensions & open
                guard
                    wanted != 0,
                    element.restrictions.hold(at: start - self.start, energyBefore: energyBefore, local: local, reading: reading)
                else { continue }
                for dimension in 0..<4 where wanted & (1 << UInt8(dimension)) != 0 { chosen[dimension] = Int32(position) }
                open &= ~wanted
            }
            let flat = PricingRules.Dimension.flat.rawValue
            if chosen[flat] >= 0 {
                if flatBilled { chosen[flat] = -1 } else { flatBilled = true }
            }
            pieces[index].elements = chosen
            pieces[index].billed = Billed(
                energy: chosen[0] >= 0 ? pieces[index].energy : .zero,
                time: chosen[1] >= 0 ? pieces[index].charging : .zero,
                parking: chosen[2] >= 0 ? pieces[index].parking : .zero, flat: chosen[3] >= 0 ? .one : .zero)
        }
    }

    /// Rounds each dimension's session total up to the step of its last priced piece, billing the surplus there.
    mutating func applyStepSizes() {
        let parkingPriced = pieces.contains { $0.elements[2] >= 0 && !$0.parking.isZero }
        round(dimension: .energy, unitsPerVolume: 1000)
        round(dimension: .parking, unitsPerVolume: 3600)
        if !parkingPriced { round(dimension: .time, unitsPerVolume: 3600) }
    }

    private mutating func round(dimension: PricingRules.Dimension, unitsPerVolume: Int64) {
        let slot = dimension.rawValue
        guard
            let last = pieces.lastIndex(where: { $0.elements[slot] >= 0 && !$0.billed[slot].isZero }),
            let component = rules.elements[Int(pieces[last].elements[slot])].components[slot],
            component.step.units > 0
        else { return }
        let total = pieces.reduce(ExactDecimal.zero) { $0 + $1.billed[slot] }
        let inUnits = total.scaled(by: unitsPerVolume, over: 1)
        let surplus = inUnits.roundedUp(toMultipleOf: component.step) - inUnits
        pieces[last].billed[slot] += surplus.scaled(by: 1, over: unitsPerVolume)
    }

    func cost(currency: String, rounding: MoneyRounding) -> SessionCost {
        let volumes = MoneyRounding(fractionDigits: max(4, rounding.fractionDigits), rule: .halfUp)
        var totals = [Price](repeating: Price(exclVAT: .zero, inclVAT: .zero), count: 4)
        var periods: [PricedPeriod] = []
        periods.reserveCapacity(pieces.count)
        var energy = ExactDecimal.zero
        var parking = ExactDecimal.zero
        for piece in pieces {
            energy += piece.energy
            parking += piece.parking
            var components: [PricedComponent] = []
            for slot in 0..<4 where piece.elements[slot] >= 0 && !piece.billed[slot].isZero {
                let element = Int(piece.elements[slot])
                guard let component = rules.elements[element].components[slot] else { continue }
                let excl = piece.billed[slot] * component.price
                let incl = excl * component.vatFactor
                totals[slot].exclVAT += excl
                totals[slot].inclVAT! += incl
                components.append(
                    PricedComponent(
                        type: PricingRules.Dimension(rawValue: slot)!.type, element: element,
                        volume: volumes(piece.billed[slot]), price: component.price, vat: component.vat,
                        cost: rounding(Price(exclVAT: excl, inclVAT: incl))))
            }
            periods.append(
                PricedPeriod(
                    startDateTime: LocalClock.date(piece.start), endDateTime: LocalClock.date(piece.end),
                    components: components))
        }
        let sum = Price(
            exclVAT: totals.reduce(.zero) { $0 + $1.exclVAT }, inclVAT: totals.reduce(.zero) { $0 + $1.inclVAT! })
        let bounded = limited(sum)
        return SessionCost(
            currency: currency, totalCost: rounding(bounded), totalFixedCost: rounding(totals[3]),
            totalEnergy: volumes(energy), totalEnergyCost: rounding(totals[0]),
            totalTime: volumes(ExactDecimal(end - start, over: 3_600_000)), totalTimeCost: rounding(totals[1]),
            totalParkingTime: volumes(parking), totalParkingCost: rounding(totals[2]),
            totalBeforeLimit: bounded == sum ? nil : rounding(sum), pricedPeriods: periods)
    }

    /// The total raised to `min_price` and lowered to `max_price`, without and with VAT each; a bound given without
    /// VAT only moves the total with VAT in proportion.
    private func limited(_ total: Price) -> Price {
        var result = total
        let incl = total.inclVAT ?? total.exclVAT
        func proportional(_ excl: ExactDecimal) -> ExactDecimal {
            total.exclVAT.isZero ? excl : incl * excl.divided(by: total.exclVAT)
        }
        if let low = rules.minPrice {
            if total.exclVAT < low.exclVAT { result.exclVAT = low.exclVAT }
            let floor = low.inclVAT ?? proportional(low.exclVAT)
            if incl < floor { result.inclVAT = floor }
        }
        if let high = rules.maxPrice {
            if result.exclVAT > high.exclVAT { result.exclVAT = high.exclVAT }
            let ceiling = high.inclVAT ?? proportional(high.exclVAT)
            if (result.inclVAT ?? incl) > ceiling { result.inclVAT = ceiling }
        }
        return result
    }
}

extension Pricer.Piece {
    /// The part of this piece before `instant`, its volumes in proportion to its time.
    func share(until instant: Int64) -> Self {
        var part = self
        part.end = instant
        let elapsed = instant - start
        let whole = end - start
        part.energy = energy.scaled(by: elapsed, over: whole)
        part.charging = charging.scaled(by: elapsed, over: whole)
        part.parking = parking.scaled(by: elapsed, over: whole)
        return part
    }

    /// What is left of this piece after `part`, its volumes exactly the rest.
    func removing(_ part: Self) -> Self {
        var rest = self
        rest.start = part.end
        rest.energy = energy - part.energy
        rest.charging = charging - part.charging
        rest.parking = parking - part.parking
        return rest
    }
}

extension PricingRules.Restrictions {
    /// Whether all restrictions hold for a piece `duration` ms into the session, after `energyBefore` kWh, at the
    /// wall time `local` (nil when no element looks at the wall clock).
    func hold(at duration: Int64, energyBefore: ExactDecimal, local: LocalTime?, reading: Pricer.Readings) -> Bool {
        if reservationOnly { return false }
        if let local, usesWallClock {
            let minute = local.minuteOfDay
            switch (startMinute, endMinute) {
            case (let from?, let until?) where from < until: if minute < from || minute >= until { return false }
            case (let from?, let until?) where from > until: if minute < from && minute >= until { return false }
            case (let from?, nil): if minute < from { return false }
            case (nil, let until?): if minute >= until { return false }
            default: break
            }
            if let day = startDay, local.day < day { return false }
            if let day = endDay, local.day >= day { return false }
            if weekdays != 0 && weekdays & (1 << UInt8(local.weekday)) == 0 { return false }
        }
        if let bound = minKWh, energyBefore < bound { return false }
        if let bound = maxKWh, energyBefore >= bound { return false }
        if let bound = minDuration, duration < bound { return false }
        if let bound = maxDuration, duration >= bound { return false }
        // A restriction on a quantity the period does not report holds (as the independent calculator does).
        if let bound = minPower, let value = reading.minPower, value < bound { return false }
        if let bound = maxPower, let value = reading.maxPower, value >= bound { return false }
        if let bound = minCurrent, let value = reading.minCurrent, value < bound { return false }
        if let bound = maxCurrent, let value = reading.maxCurrent, value >= bound { return false }
        return true
    }
}
