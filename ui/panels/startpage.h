#pragma once

#include <QWidget>

class QListWidget;

namespace coroscope::ui {

/// What the window shows before anything is open: the example workloads (one click opens and runs
/// one), the recent files, and the buttons to open a script or a session.
class StartPage : public QWidget {
    Q_OBJECT
public:
    struct Example {
        QString name;    ///< "blocking-call"
        QString summary; ///< the first line of its header comment
        QString source;  ///< its script: compiled into the app binary, shown before it runs
    };

    explicit StartPage(QWidget* parent = nullptr);
    void setExamples(const QList<Example>& examples);
    void setRecent(const QStringList& files);

    QListWidget* exampleList() const { return m_examples; }
    QListWidget* recentList() const { return m_recent; }

Q_SIGNALS:
    void runExample(const QString& script); ///< "example:NAME"
    void openFile(const QString& file);
    void openScriptRequested();
    void openSessionRequested();
    void profileProgramRequested();

private:
    QListWidget* m_examples;
    QListWidget* m_recent;
};

} // namespace coroscope::ui
