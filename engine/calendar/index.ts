/**
 * The working calendar used by the engine and the metrics: China's working days and working hours. One of the
 * engine's public entries (README, "How the code is organised").
 */
export {
  builtinHolidayData,
  type HolidayData,
  type HolidayDataJson,
  loadCalendarData,
} from './holiday-data.js';
export {
  type CalendarOptions,
  createCalendar,
  createLiveCalendar,
  getDefaultCalendar,
  isLiveCalendar,
  type LiveCalendar,
  type PauseInterval,
  type WorkingCalendar,
} from './working-calendar.js';
export { DEFAULT_WORKING_HOURS, type WorkingPeriod } from './working-hours.js';
export {
  checkYearSchedule,
  MAX_SCHEDULE_YEAR,
  MIN_SCHEDULE_YEAR,
  type NoticeDates,
  parseHolidayNotice,
  ScheduleError,
  type ScheduleProblem,
  type ScheduleReason,
  type YearSchedule,
  yearScheduleData,
} from './year-schedule.js';
