import { render } from 'preact';
import { area } from '../i18n';
import { StaffApp } from './app';
import '../style.css';
import './staff.css';

area.value = (m) => m.staffConsole;
render(<StaffApp />, document.getElementById('app')!);
