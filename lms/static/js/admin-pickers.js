// Flask-Admin's pickers in the page's language. Select2 3.5 and the date-range picker are
// English only and take their words from script: the admin base page hands the translated
// words over as JSON (#lms-picker-words, from lms.i18n.picker_words). Select2's become every
// picker's defaults here; the date-range picker, loaded later by the form pages, gets its
// words before Flask-Admin's form.js sets up the fields on document ready.
(function () {
  var data = document.getElementById("lms-picker-words");
  if (!data || !window.jQuery) {
    return;
  }
  var words = JSON.parse(data.textContent);
  var say = function (key) {
    return function () {
      return words.select2[key];
    };
  };
  if (jQuery.fn.select2) {
    jQuery.extend(jQuery.fn.select2.defaults, {
      formatMatches: say("matches"),
      formatNoMatches: say("noMatches"),
      formatAjaxError: say("ajaxError"),
      formatInputTooShort: say("inputTooShort"),
      formatInputTooLong: say("inputTooLong"),
      formatSelectionTooBig: say("selectionTooBig"),
      formatLoadMore: say("loadMore"),
      formatSearching: say("searching"),
    });
  }
  jQuery(function () {
    var picker = jQuery.fn.daterangepicker;
    if (!picker) {
      return;
    }
    jQuery.fn.daterangepicker = function (options, callback) {
      var settings = jQuery.extend({}, options);
      settings.locale = jQuery.extend({}, words.dates, settings.locale);
      return picker.call(this, settings, callback);
    };
  });
})();
