// The window's dialogs and the script editor's gutter, offscreen, without a run: Run Settings keeps
// the user's edits on a bad field, Compare orders, filters, warns and exports, the gutter marks say
// how many slow callbacks a line ran and the worst of them. Issue 13, "Every path leads somewhere".
#include "dialogs/comparedialog.h"
#include "dialogs/filepaths.h"
#include "dialogs/runsettingsdialog.h"
#include "model/format.h"
#include "panels/scripteditor.h"

#include <QApplication>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QHelpEvent>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBlock>
#include <QTimer>
#include <QToolTip>

#include <limits>

using namespace coroscope;
using namespace coroscope::ui;
using namespace std::chrono_literals;

namespace {

/// COROSCOPE_SCREENSHOT_DIR=dir saves what a dialog looked like (for a human to look at).
void screenshot(QWidget& widget, const char* name) {
    const QByteArray dir = qgetenv("COROSCOPE_SCREENSHOT_DIR");
    if (!dir.isEmpty())
        widget.grab().save(QString::fromLocal8Bit(dir) + u'/' + QLatin1String(name) + QStringLiteral(".png"));
}

void clickOk(QDialog& dialog) {
    auto* buttons = dialog.findChild<QDialogButtonBox*>();
    QVERIFY(buttons);
    QTest::mouseClick(buttons->button(QDialogButtonBox::Ok), Qt::LeftButton);
}

DiffRow row(const QString& what, DiffVerdict verdict, std::optional<double> a, std::optional<double> b) {
    DiffRow r;
    r.section = QStringLiteral("loop");
    r.what = what;
    r.unit = DiffUnit::Count;
    r.a = a;
    r.b = b;
    r.judged = verdict == DiffVerdict::Regression || verdict == DiffVerdict::Improvement ||
               verdict == DiffVerdict::Unchanged;
    r.verdict = verdict;
    return r;
}

/// Rows in the diff's order, deliberately mixed: the dialog sorts them.
SessionDiff mixedDiff() {
    SessionDiff diff;
    diff.pathA = QStringLiteral("/s/a.coroscope");
    diff.pathB = QStringLiteral("/s/b.coroscope");
    diff.runA.script = diff.runB.script = QStringLiteral("example:blocking-call");
    diff.runA.scriptSource = diff.runB.scriptSource = QStringLiteral("function* main() {}");
    diff.rows = {row(QStringLiteral("same"), DiffVerdict::Unchanged, 5, 5),
                 row(QStringLiteral("better-1"), DiffVerdict::Improvement, 10, 5),
                 row(QStringLiteral("info-equal"), DiffVerdict::Info, 3, 3),
                 row(QStringLiteral("worse-1"), DiffVerdict::Regression, 5, 10),
                 row(QStringLiteral("info-new"), DiffVerdict::Info, std::nullopt, 7),
                 row(QStringLiteral("worse-2"), DiffVerdict::Regression, 1, 9),
                 row(QStringLiteral("info-moved"), DiffVerdict::Info, 3, 4)};
    return diff;
}

QStringList shownWhats(const CompareDialog& dialog) {
    QStringList whats;
    for (int r = 0; r < dialog.table()->rowCount(); ++r)
        if (!dialog.table()->isRowHidden(r))
            whats << dialog.table()->item(r, 2)->text();
    return whats;
}

} // namespace

class TestWindowDialogs : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void runSettingsKeepEditsOnABadSeed();
    void runSettingsTakeEverySeedOf64Bits();
    void runSettingsShowBothErrorsAndSayWhatAppliesNow();
    void compareShowsRegressionsFirstAndFiltersChanges();
    void compareWarnsWhenTheScriptsDiffer();
    void compareExportsTheDiff();
    void exportNamesGetTheFiltersExtension();
    void gutterShowsCountAndWorstDuration();
};

// Regression: OK with a bad seed closed the dialog and the edits were lost.
void TestWindowDialogs::runSettingsKeepEditsOnABadSeed() {
    RunSettingsDialog dialog(RunRequest{});
    dialog.show();
    QVERIFY(QTest::qWaitForWindowActive(&dialog));
    dialog.thresholdBox()->setValue(250);
    dialog.durationBox()->setValue(30);
    dialog.paramsEdit()->setText(QStringLiteral("rate=5, n=10"));
    QTest::keyClicks(dialog.seedEdit(), QStringLiteral("12x"));
    clickOk(dialog);
    QVERIFY(dialog.isVisible());
    QVERIFY(!dialog.settings());
    QCOMPARE(dialog.seedError(),
             QStringLiteral("'12x' is not a whole number from 0 to 18446744073709551615"));
    QVERIFY(dialog.paramsError().isEmpty());
    QCOMPARE(dialog.seedEdit()->text(), QStringLiteral("12x"));
    QCOMPARE(dialog.paramsEdit()->text(), QStringLiteral("rate=5, n=10"));
    QCOMPARE(dialog.thresholdBox()->value(), 250);
    QCOMPARE(dialog.durationBox()->value(), 30);
    // The bad text has the focus, selected: typing replaces it and takes the error away.
    QVERIFY(dialog.seedEdit()->hasFocus());
    QCOMPARE(dialog.seedEdit()->selectedText(), QStringLiteral("12x"));
    QTest::keyClicks(dialog.seedEdit(), QStringLiteral("12"));
    QVERIFY(dialog.seedError().isEmpty());
    // A good seed closes the dialog with every field.
    clickOk(dialog);
    QVERIFY(!dialog.isVisible());
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QVERIFY(dialog.settings());
    QCOMPARE(dialog.settings()->seed, std::optional<std::uint64_t>(12));
    QCOMPARE(dialog.settings()->slowThreshold, 250ms);
    QCOMPARE(dialog.settings()->duration, 30'000ms);
    QCOMPARE(dialog.settings()->params.size(), std::size_t(2));
}

void TestWindowDialogs::runSettingsTakeEverySeedOf64Bits() {
    RunSettingsDialog dialog(RunRequest{});
    QString error;
    const auto seedOf = [&](const QString& text) {
        dialog.seedEdit()->setText(text);
        const auto applied = dialog.apply(RunRequest{}, &error);
        return applied ? applied->seed : std::optional<std::uint64_t>();
    };
    QCOMPARE(seedOf(QStringLiteral("18446744073709551615")),
             std::optional<std::uint64_t>(std::numeric_limits<std::uint64_t>::max()));
    QCOMPARE(seedOf(QStringLiteral(" 0 ")), std::optional<std::uint64_t>(0));
    for (const QString& bad :
         {QStringLiteral("18446744073709551616"), QStringLiteral("-1"), QStringLiteral("+5"),
          QStringLiteral("1e3"), QStringLiteral("0x10"), QStringLiteral("4.0")}) {
        error.clear();
        QVERIFY2(!seedOf(bad), qPrintable(bad));
        QVERIFY2(error.startsWith(QStringLiteral("Seed: ")), qPrintable(error));
    }
    dialog.seedEdit()->clear(); // no seed: the runner's default
    const auto applied = dialog.apply(RunRequest{}, &error);
    QVERIFY(applied && !applied->seed);
}

void TestWindowDialogs::runSettingsShowBothErrorsAndSayWhatAppliesNow() {
    RunRequest current;
    current.seed = 7;
    RunSettingsDialog dialog(current);
    dialog.show();
    QVERIFY(!dialog.runNote()->isVisible()); // no run, nothing to say
    dialog.setRunInProgress(true);
    QVERIFY(dialog.runNote()->isVisible());
    QVERIFY(dialog.runNote()->text().contains(QStringLiteral("threshold applies to it at once")));
    QCOMPARE(dialog.seedEdit()->text(), QStringLiteral("7"));
    // Wide enough: the largest seed fits in its field without scrolling.
    QVERIFY(dialog.seedEdit()->width() >
            dialog.seedEdit()->fontMetrics().horizontalAdvance(QStringLiteral("18446744073709551615")));
    dialog.seedEdit()->setText(QStringLiteral("seven"));
    dialog.paramsEdit()->setText(QStringLiteral("a=1, oops"));
    clickOk(dialog);
    QVERIFY(dialog.isVisible());
    QVERIFY(!dialog.seedError().isEmpty());
    QCOMPARE(dialog.paramsError(), QStringLiteral("'oops' is not key=value"));
    // The errors sit under their fields.
    auto* seedLabel = dialog.findChildren<QLabel*>().at(0);
    for (QLabel* label : dialog.findChildren<QLabel*>())
        if (label->text() == dialog.seedError())
            seedLabel = label;
    QVERIFY(seedLabel->isVisible());
    QVERIFY(seedLabel->geometry().top() >= dialog.seedEdit()->geometry().bottom());
    QVERIFY(seedLabel->geometry().bottom() <= dialog.paramsEdit()->geometry().top());
    // Every row has the height it asks for: nothing is squeezed or clipped.
    QVERIFY(dialog.height() >= dialog.sizeHint().height());
    screenshot(dialog, "runsettings-errors");
}

void TestWindowDialogs::compareShowsRegressionsFirstAndFiltersChanges() {
    CompareDialog dialog(mixedDiff());
    QCOMPARE(shownWhats(dialog),
             (QStringList{QStringLiteral("worse-1"), QStringLiteral("worse-2"), QStringLiteral("better-1"),
                          QStringLiteral("same"), QStringLiteral("info-equal"), QStringLiteral("info-new"),
                          QStringLiteral("info-moved")}));
    QCOMPARE(dialog.table()->item(0, 7)->text(), QStringLiteral("regression"));
    QVERIFY(!dialog.changesOnlyBox()->isChecked());
    dialog.changesOnlyBox()->click();
    QCOMPARE(shownWhats(dialog),
             (QStringList{QStringLiteral("worse-1"), QStringLiteral("worse-2"), QStringLiteral("better-1"),
                          QStringLiteral("info-new"), QStringLiteral("info-moved")}));
    dialog.changesOnlyBox()->click();
    QCOMPARE(shownWhats(dialog).size(), 7);
}

void TestWindowDialogs::compareWarnsWhenTheScriptsDiffer() {
    SessionDiff diff = mixedDiff();
    {
        CompareDialog same(diff);
        QVERIFY(same.scriptWarning().isEmpty());
        same.show();
        QVERIFY(!same.findChild<QLabel*>(QStringLiteral("scriptWarning"))->isVisible());
    }
    diff.runB.script = QStringLiteral("/home/me/other.js");
    diff.runB.scriptSource = QStringLiteral("function* main() { yield sleep(1); }");
    CompareDialog different(diff);
    different.show();
    QVERIFY(different.scriptWarning().contains(QStringLiteral("different scripts")));
    QVERIFY(different.scriptWarning().contains(QStringLiteral("example:blocking-call")));
    QVERIFY(different.scriptWarning().contains(QStringLiteral("/home/me/other.js")));
    auto* label = different.findChild<QLabel*>(QStringLiteral("scriptWarning"));
    QVERIFY(label->isVisible());
    QCOMPARE(label->text(), different.scriptWarning());
    screenshot(different, "compare-different-scripts");
    // The same script edited in between: said, more mildly.
    diff.runB.script = diff.runA.script;
    QVERIFY(CompareDialog::scriptMismatch(diff).contains(QStringLiteral("was edited")));
    // The same text from another path: comparable.
    diff.runB.script = QStringLiteral("/tmp/blocking-call.js");
    diff.runB.scriptSource = diff.runA.scriptSource;
    QVERIFY(CompareDialog::scriptMismatch(diff).isEmpty());
}

void TestWindowDialogs::compareExportsTheDiff() {
    const QTemporaryDir dir;
    CompareDialog dialog(mixedDiff());
    QVERIFY(dialog.exportTo(dir.filePath(QStringLiteral("x.json"))).isEmpty());
    QFile json(dir.filePath(QStringLiteral("x.json")));
    QVERIFY(json.open(QIODevice::ReadOnly));
    const QJsonObject root = QJsonDocument::fromJson(json.readAll()).object();
    QCOMPARE(root.value(QStringLiteral("schema")).toString(), QString::fromLatin1(kDiffJsonSchema));
    QVERIFY(dialog.exportTo(dir.filePath(QStringLiteral("x.md"))).isEmpty());
    QVERIFY(QFileInfo(dir.filePath(QStringLiteral("x.md"))).size() > 0);
    QVERIFY(dialog.exportTo(dir.filePath(QStringLiteral("x.txt")))
                .contains(QStringLiteral(".json, .md or .html")));
    // Through the Export button: the Markdown filter adds .md to a bare name.
    dialog.show();
    bool sawDialog = false;
    QTimer::singleShot(0, this, [&] {
        auto* files = qobject_cast<QFileDialog*>(QApplication::activeModalWidget());
        QVERIFY(files);
        sawDialog = true;
        QVERIFY(files->selectedFiles().constFirst().contains(QStringLiteral("diff-a-vs-b")));
        files->setDirectory(dir.path());
        files->selectNameFilter(QStringLiteral("Markdown (*.md)"));
        files->selectFile(QStringLiteral("comparison"));
        static_cast<QDialog*>(files)->accept(); // QFileDialog::accept() is protected
    });
    QTest::mouseClick(dialog.findChild<QPushButton*>(QStringLiteral("exportButton")), Qt::LeftButton);
    QVERIFY(sawDialog);
    QFile md(dir.filePath(QStringLiteral("comparison.md")));
    QVERIFY(md.open(QIODevice::ReadOnly));
    QCOMPARE(md.readAll(), diffMarkdown(mixedDiff()));
    QCOMPARE(lastExportDirectory(QString()), dir.path());
}

void TestWindowDialogs::exportNamesGetTheFiltersExtension() {
    const QStringList filters{QStringLiteral("HTML (*.html)"), QStringLiteral("JSON (*.json)"),
                              QStringLiteral("CSV (*.csv)"), QStringLiteral("Markdown (*.md)"),
                              QStringLiteral("Chrome trace (*.trace.json)")};
    const QStringList extensions{QStringLiteral(".html"), QStringLiteral(".json"), QStringLiteral(".csv"),
                                 QStringLiteral(".md"), QStringLiteral(".trace.json")};
    for (int i = 0; i < filters.size(); ++i) {
        QCOMPARE(filterExtension(filters[i]), extensions[i]);
        QCOMPARE(withFilterExtension(QStringLiteral("/r/run"), filters[i], filters),
                 QStringLiteral("/r/run") + extensions[i]);
    }
    // A name with a report extension keeps it, whatever the filter says.
    QCOMPARE(withFilterExtension(QStringLiteral("/r/run.JSON"), filters[0], filters),
             QStringLiteral("/r/run.JSON"));
    QCOMPARE(withFilterExtension(QStringLiteral("/r/run.trace.json"), filters[1], filters),
             QStringLiteral("/r/run.trace.json"));
    QCOMPARE(withFilterExtension(QStringLiteral("/r/v1.2"), filters[3], filters),
             QStringLiteral("/r/v1.2.md"));
    QCOMPARE(filterExtension(QStringLiteral("All files (*)")), QString());
    const QString today = QDate::currentDate().toString(Qt::ISODate);
    QCOMPARE(datedBaseName(QStringLiteral("example:memory-leak")), QStringLiteral("memory-leak-") + today);
    QCOMPARE(datedBaseName(QStringLiteral("/w/my.dir/load.js")), QStringLiteral("load-") + today);
}

void TestWindowDialogs::gutterShowsCountAndWorstDuration() {
    ScriptEditor editor;
    editor.setPlainText(QStringLiteral("function* main() {\n    blockFor(300);\n    yield sleep(1);\n}\n"));
    editor.resize(600, 300);
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    const int plainWidth = editor.gutterWidth();
    editor.setSlowLines({{2, {3, 820'000'000}}, {3, {1, 150'000'000}}});
    QCOMPARE(editor.slowLines(), (std::map<int, int>{{2, 3}, {3, 1}}));
    QCOMPARE(editor.slowLineLabel(2), QStringLiteral("3× ") + formatDuration(820'000'000));
    QVERIFY(editor.slowLineLabel(1).isEmpty());
    QVERIFY(editor.slowLineToolTip(2).contains(QStringLiteral("3 slow callbacks, the longest 820 ms")));
    QVERIFY(editor.slowLineToolTip(3).contains(QStringLiteral("a slow callback of 150 ms")));
    QVERIFY(editor.slowLineToolTip(1).isEmpty());
    // The gutter makes room for the widest label and is as wide as it says.
    QVERIFY(editor.gutterWidth() >=
            plainWidth + editor.fontMetrics().horizontalAdvance(editor.slowLineLabel(2)));
    QCOMPARE(editor.gutter()->width(), editor.gutterWidth());
    // Over line 2: the mark is drawn, its tooltip shows, a click asks for its callbacks.
    QTextCursor cursor(editor.document()->findBlockByNumber(1));
    const int y = editor.cursorRect(cursor).center().y();
    const QImage image = editor.gutter()->grab().toImage();
    QCOMPARE(image.pixelColor(2, y), QColor(0xcf, 0x22, 0x2e));
    screenshot(editor, "gutter");
    const QPoint pos(4, y);
    QHelpEvent help(QEvent::ToolTip, pos, editor.gutter()->mapToGlobal(pos));
    QApplication::sendEvent(editor.gutter(), &help);
    QVERIFY(QTest::qWaitFor([] { return QToolTip::isVisible(); }, 2000));
    QCOMPARE(QToolTip::text(), editor.slowLineToolTip(2));
    QSignalSpy clicked(&editor, &ScriptEditor::slowLineClicked);
    QTest::mouseClick(editor.gutter(), Qt::LeftButton, {}, pos);
    QCOMPARE(clicked.size(), 1);
    QCOMPARE(clicked.front().front().toInt(), 2);
    // Without slow lines the labels' column goes.
    editor.setSlowLines({});
    QCOMPARE(editor.gutterWidth(), plainWidth);
}

QTEST_MAIN(TestWindowDialogs)
#include "test_windowdialogs.moc"
