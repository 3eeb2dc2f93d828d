# python tools/demo.py --quick: seconds per stage; checks the plumbing, not accuracy.
_base_ = ['./default.py']
demo = dict(train_videos=1, train_frames=8, test_videos=1, test_frames=8, width=160, height=120,
            stage1_epochs=1, stage2_epochs=1)
